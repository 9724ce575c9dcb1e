package suggest

import "testing"

func TestNearest(t *testing.T) {
	keys := []string{"timeout", "target", "labels", "budget"}
	for in, want := range map[string]string{"tiemout": "timeout", "targte": "target", "lables": "labels", "zzzzzz": "", "": ""} {
		if got := Nearest(in, keys, 1); got != want {
			t.Errorf("Nearest(%q) = %q, want %q", in, got, want)
		}
	}
	if Distance("kitten", "sitting") != 3 || Distance("é", "e") != 1 || Distance("", "abc") != 3 {
		t.Error("Distance is not the Levenshtein distance in runes")
	}
}
