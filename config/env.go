package config

import (
	"fmt"
	"strings"
)

// A reference is one ${NAME} or ${NAME:-default} in a string value.
type reference struct {
	name       string
	hasDefault bool
	def        string
}

// expand substitutes environment references in s:
//
//	${NAME}           the variable's value; unset or empty is an error
//	${NAME:-default}  the variable's value, or default when it is unset or empty
//	$${               a literal "${" (the escape)
//
// Any other "$" is literal, so a value such as "pa$$word" or "$HOME" is left
// alone: only "${" starts a reference. Empty counts as unset because CI
// systems expand a missing secret to "" (GitHub Actions does), and a run
// signing with an empty secret would fail every check for a reason no check
// names.
//
// It returns the expanded text and the references it resolved. Errors name
// the variable, never its value.
func expand(s string, getenv func(string) string) (string, []reference, error) {
	if !strings.Contains(s, "${") {
		return s, nil, nil
	}
	var b strings.Builder
	var refs []reference
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "$${") {
			b.WriteString("${")
			i += 3
			continue
		}
		if !strings.HasPrefix(s[i:], "${") {
			b.WriteByte(s[i])
			i++
			continue
		}
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			return "", nil, fmt.Errorf("unterminated ${ (close it with }, or write $${ for a literal ${)")
		}
		ref, err := parseReference(s[i+2 : i+2+end])
		if err != nil {
			return "", nil, err
		}
		v := getenv(ref.name)
		if v == "" {
			if !ref.hasDefault {
				return "", nil, &unsetError{ref.name}
			}
			v = ref.def
		}
		b.WriteString(v)
		refs = append(refs, ref)
		i += 2 + end + 1
	}
	return b.String(), refs, nil
}

// unsetError is a reference to a variable that is unset or empty.
type unsetError struct{ name string }

func (e *unsetError) Error() string {
	return fmt.Sprintf("environment variable %s is not set (or is empty); set it, or write ${%s:-default} to make it optional", e.name, e.name)
}

func parseReference(body string) (reference, error) {
	name, def, hasDefault := strings.Cut(body, ":-")
	if !validName(name) {
		return reference{}, fmt.Errorf("${%s}: %q is not an environment variable name (letters, digits and _, not starting with a digit)", body, name)
	}
	return reference{name: name, hasDefault: hasDefault, def: def}, nil
}

func validName(name string) bool {
	if name == "" {
		return false
	}
	for i, r := range name {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// soleReference reports whether s is exactly one ${NAME} with no default and
// nothing around it: the only form a credential may take in the file.
func soleReference(s string) (string, bool) {
	if !strings.HasPrefix(s, "${") || !strings.HasSuffix(s, "}") || strings.HasPrefix(s, "$${") {
		return "", false
	}
	name := s[2 : len(s)-1]
	return name, validName(name)
}
