package signing

import "testing"

// The wanted outputs were produced by Node.js (v18+):
// node -e 'console.log(JSON.stringify(JSON.parse(INPUT)))'
func TestJSONStringifyMatchesNode(t *testing.T) {
	cases := []struct{ in, want string }{
		{
			`{ "b": 1.0, "a": "\u00e9\/<&>\u2028\u0001", "2": true, "10": null, "1": [1e2, 0.000001, 1e-7, 1e21, 123456789012345678901, -0, 1.5e300, 0.1], "b": -0, "x": {"y": [ ] } }`,
			"{\"1\":[100,0.000001,1e-7,1e+21,123456789012345680000,0,1.5e+300,0.1],\"2\":true,\"10\":null,\"b\":0,\"a\":\"é/<&>\u2028\\u0001\",\"x\":{\"y\":[]}}",
		},
		{"{\n  \"status\" : \"success\",\n\t\"n\": 9001 }\n", `{"status":"success","n":9001}`},
		{`"tab\tquote\"back\\"`, `"tab\tquote\"back\\"`},
		{`[1e400, -1e400]`, `[null,null]`},
		{`{"01":1,"1":2,"4294967295":3,"4294967294":4}`, `{"1":2,"4294967294":4,"01":1,"4294967295":3}`},
	}
	for _, c := range cases {
		got, err := JSONStringify([]byte(c.in))
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if string(got) != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.in, got, c.want)
		}
	}
	for _, bad := range []string{``, `{`, `{"a":1} x`, `{"a":}`} {
		if _, err := JSONStringify([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
