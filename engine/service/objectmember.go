package service

import (
	"bytes"
	"encoding/json"
	"errors"
)

// objectMember is a request member that must be a JSON object (or null),
// kept as its text: a value of another type fails the request's decoding,
// which answers SerializationException as AWS does.
type objectMember json.RawMessage

// UnmarshalJSON keeps data when it is an object or null.
func (o *objectMember) UnmarshalJSON(data []byte) error {
	t := bytes.TrimSpace(data)
	switch {
	case len(t) > 0 && t[0] == '[':
		return errors.New("start of list found where not expected")
	case len(t) == 0 || (t[0] != '{' && !bytes.Equal(t, []byte("null"))):
		return errors.New("expected a structure, found " + string(t))
	}
	*o = append((*o)[:0], data...)
	return nil
}
