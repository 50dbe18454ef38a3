package intrinsic_test

import (
	"errors"
	"testing"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/intrinsic"
)

// TestCheckLiterals checks, for every intrinsic, literal arguments of the
// wrong type (rejected) and of the right type (accepted). A rejected call
// must also fail when run, on any input: rejecting it early never refuses
// a call that could succeed.
func TestCheckLiterals(t *testing.T) {
	cases := []struct {
		expr string
		bad  bool
	}{
		{`States.MathAdd(1,'-1')`, true}, // asl-validator's invalid-math-add
		{`States.MathAdd('1', 2)`, true},
		{`States.MathAdd(1, null)`, true},
		{`States.MathAdd(true, 1)`, true},
		{`States.MathAdd(1, -1)`, false},
		{`States.MathAdd($.a, -1)`, false},
		{`States.MathAdd(States.ArrayLength($.a), -1)`, false},
		{`States.Format(1, 'x')`, true},
		{`States.Format(null)`, true},
		{`States.Format('{} {}', 1, true)`, false},
		{`States.StringToJson(1)`, true},
		{`States.StringToJson('{}')`, false},
		{`States.JsonToString(1)`, false},
		{`States.Array(1, 'a', null, true)`, false},
		{`States.ArrayPartition('x', 2)`, true},
		{`States.ArrayPartition($.a, '2')`, true},
		{`States.ArrayPartition($.a, null)`, true},
		{`States.ArrayPartition($.a, 2)`, false},
		{`States.ArrayContains('x', 1)`, true},
		{`States.ArrayContains($.a, 'x')`, false},
		{`States.ArrayRange('a', 5, 1)`, true},
		{`States.ArrayRange(1, '5', 1)`, true},
		{`States.ArrayRange(1, 5, true)`, true},
		{`States.ArrayRange(1, 5, 1)`, false},
		{`States.ArrayGetItem(1, 0)`, true},
		{`States.ArrayGetItem($.a, '0')`, true},
		{`States.ArrayGetItem($.a, 0)`, false},
		{`States.ArrayLength('abc')`, true},
		{`States.ArrayUnique(1)`, true},
		{`States.Base64Encode(1)`, true},
		{`States.Base64Encode('x')`, false},
		{`States.Base64Decode(false)`, true},
		{`States.Hash('data', 123)`, true},
		{`States.Hash(1, 'MD5')`, false}, // AWS hashes a non-string by its text
		{`States.Hash('data', 'SHA-256')`, false},
		{`States.JsonMerge('a', $.b, false)`, true},
		{`States.JsonMerge($.a, $.b, 'false')`, true},
		{`States.JsonMerge($.a, $.b, false)`, false},
		{`States.MathRandom(1, 10, 'seed')`, true},
		{`States.MathRandom('1', 10)`, true},
		{`States.MathRandom(1, 10, 7)`, false},
		{`States.StringSplit(1, ',')`, true},
		{`States.StringSplit('a,b', 1)`, true},
		{`States.StringSplit('a,b', ',')`, false},
		{`States.Format('{}', States.MathAdd(1, 'x'))`, true}, // nested
	}
	for _, c := range cases {
		call, err := intrinsic.Parse(c.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.expr, err)
		}
		err = call.CheckLiterals()
		var lte *intrinsic.LiteralTypeError
		if c.bad != (err != nil) || (err != nil && !errors.As(err, &lte)) {
			t.Errorf("CheckLiterals(%s) = %v, want bad=%v", c.expr, err, c.bad)
			continue
		}
		if !c.bad {
			continue
		}
		_, err = call.Eval(env(t, `{"a":[1,2],"b":{}}`))
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Name != fault.Runtime {
			t.Errorf("%s rejected, but running it gives %v", c.expr, err)
		}
	}
}
