package listener

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"time"
)

// errInvalidJSON marks bodies that are not JSON at all (including empty
// ones); errNotObject marks valid JSON that is not an object. Only the first
// kind triggers the invalid-JSON defects: JSON.parse throws on it.
var (
	errInvalidJSON = errors.New("body is not valid JSON")
	errNotObject   = errors.New("body is valid JSON but not an object")
)

// parseObject parses a webhook body, which must be one JSON object.
func parseObject(body []byte) (map[string]any, error) {
	if !json.Valid(body) {
		return nil, errInvalidJSON
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // codes stay exact; no float rounding
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, errInvalidJSON
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errNotObject
	}
	return obj, nil
}

// fields are the values a listener keys and orders deliveries by. Extraction
// never fails: unknown shapes, missing fields and unknown values are all
// accepted, because providers add fields and values over time.
type fields struct {
	id, status, action, event string
	code                      int
	decisionTime              time.Time
}

// extract reads the identifying fields of a payload.
//
//	Veriff decision  {"status":"success","verification":{"id","status","code","decisionTime",…}}
//	Veriff event     {"id","attemptId","feature","code","action"}
//	Shufti callback  {"reference","event",…}
func extract(kind string, obj map[string]any) fields {
	if kind == KindCallback {
		return fields{id: str(obj["reference"]), event: str(obj["event"])}
	}
	// Read the verification object when there is one, the top level
	// otherwise: the top-level "status" of a decision is the envelope's
	// ("success"), not the verification's.
	src := obj
	if v, ok := obj["verification"].(map[string]any); ok {
		src = v
	}
	f := fields{
		id:     str(src["id"]),
		code:   integer(src["code"]),
		action: str(obj["action"]),
	}
	if kind == KindDecision {
		f.status = str(src["status"])
		if t, err := time.Parse(time.RFC3339, str(src["decisionTime"])); err == nil {
			f.decisionTime = t
		}
	}
	return f
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// integer reads a JSON number, or a string holding one, as an int; anything
// else is 0.
func integer(v any) int {
	var s string
	switch t := v.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = t
	default:
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}
