package value

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeKeepsOrderAndNumberKinds(t *testing.T) {
	v, err := DecodeString(`{"z": 1, "a": 1.0, "m": [true, null, "x", -2, 3e2], "n": {"b": {}, "a": []}}`)
	require.NoError(t, err)
	o := v.(*Object)
	assert.Equal(t, []string{"z", "a", "m", "n"}, o.Keys())
	z, _ := o.Get("z")
	assert.IsType(t, int64(0), z)
	a, _ := o.Get("a")
	assert.IsType(t, float64(0), a)
	m, _ := o.Get("m")
	assert.Equal(t, []any{true, nil, "x", int64(-2), float64(300)}, m)
	assert.Equal(t, `{"z":1,"a":1.0,"m":[true,null,"x",-2,300.0],"n":{"b":{},"a":[]}}`, EncodeString(v))
}

func TestDecodeDuplicateKeyLastWinsInFirstPlace(t *testing.T) {
	v, err := DecodeString(`{"a":1,"b":2,"a":3}`)
	require.NoError(t, err)
	assert.Equal(t, `{"a":3,"b":2}`, EncodeString(v))
}

func TestDecodeErrors(t *testing.T) {
	for _, in := range []string{``, `{`, `{"a"}`, `{"a":}`, `[1,]`, `01`, `1.`, `1e`, `"\x"`, `"abc`, `tru`, `{} x`, "\"a\x01\"", `-`, `{"a":1,}`} {
		_, err := DecodeString(in)
		assert.Error(t, err, "input %q", in)
		var se *SyntaxError
		assert.ErrorAs(t, err, &se, "input %q", in)
	}
}

func TestDecodeErrorPosition(t *testing.T) {
	// The colon is missing on line 3, after two spaces and
	// "é" (whose é is two bytes, one character).
	_, err := DecodeString("{\n \"P\": {\n  \"é\" 1}}")
	var se *SyntaxError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 3, se.Line)
	assert.Equal(t, 7, se.Column)
	assert.Equal(t, "invalid JSON at line 3, column 7: expected ':' after key", se.Error())
}

func TestDecodeStrings(t *testing.T) {
	cases := map[string]string{
		`"plain"`:            "plain",
		`"a\"b\\c\/d"`:       `a"b\c/d`,
		`"\n\t\r\b\f"`:       "\n\t\r\b\f",
		`"\u00e9\u4e2d"`:     "é中",
		`"\ud83d\ude00"`:     "😀",
		`"lone \ud83d here"`: "lone \uFFFD here",
		`"é"`:                "é",
	}
	for in, want := range cases {
		v, err := DecodeString(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, v, in)
	}
}

func TestEncodeStringsLikeJackson(t *testing.T) {
	assert.Equal(t, `"a/b<c>&é\"\\\n\u0001"`, EncodeString("a/b<c>&é\"\\\n\x01"))
}

func TestEncodeFloatsLikeJava(t *testing.T) {
	cases := []struct {
		f    float64
		want string
	}{
		{1, "1.0"}, {0, "0.0"}, {math.Copysign(0, -1), "-0.0"}, {0.5, "0.5"}, {-2.25, "-2.25"},
		{1234567, "1234567.0"}, {1e7, "1.0E7"}, {1.5e10, "1.5E10"}, {0.001, "0.001"},
		{0.0001, "1.0E-4"}, {1.234e-5, "1.234E-5"}, {123.456, "123.456"}, {math.NaN(), "null"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, string(AppendFloat(nil, c.f)), "%v", c.f)
	}
}

func TestLargeIntegerBecomesFloat(t *testing.T) {
	v, err := DecodeString(`123456789012345678901234567890`)
	require.NoError(t, err)
	assert.IsType(t, float64(0), v)
}

func TestObjectOperations(t *testing.T) {
	o := NewObject(0)
	for i := 0; i < 30; i++ { // crosses the index threshold
		o.Set(string(rune('a'+i%26))+string(rune('0'+i/26)), int64(i))
	}
	assert.Equal(t, 30, o.Len())
	v, ok := o.Get("c0")
	assert.True(t, ok)
	assert.Equal(t, int64(2), v)
	o.Set("c0", "x")
	v, _ = o.Get("c0")
	assert.Equal(t, "x", v)
	o.Delete("c0")
	assert.False(t, o.Has("c0"))
	assert.Equal(t, 29, o.Len())
	v, ok = o.Get("d0")
	assert.True(t, ok)
	assert.Equal(t, int64(3), v)
	c := o.ShallowCopy()
	c.Set("new", true)
	assert.False(t, o.Has("new"))
}

func TestEqual(t *testing.T) {
	a, _ := DecodeString(`{"a":1,"b":[1,2.0,{"c":null}]}`)
	b, _ := DecodeString(`{"b":[1.0,2,{"c":null}],"a":1.0}`)
	c, _ := DecodeString(`{"b":[1.0,2,{"c":false}],"a":1.0}`)
	assert.True(t, Equal(a, b))
	assert.False(t, Equal(a, c))
	assert.False(t, Equal("1", int64(1)))
	assert.False(t, Equal([]any{}, NewObject(0)))
}

func TestCloneIsDeep(t *testing.T) {
	a, _ := DecodeString(`{"a":{"b":[1]}}`)
	c := Clone(a).(*Object)
	inner, _ := c.Get("a")
	inner.(*Object).Set("b", "changed")
	assert.Equal(t, `{"a":{"b":[1]}}`, EncodeString(a))
}

func TestFromGoAndToGo(t *testing.T) {
	v, err := FromGo(map[string]any{"b": 1, "a": []any{json.Number("2"), json.Number("2.5"), float32(1.5)}})
	require.NoError(t, err)
	assert.Equal(t, `{"a":[2,2.5,1.5],"b":1}`, EncodeString(v))
	g := ToGo(v).(map[string]any)
	assert.Equal(t, int64(1), g["b"])
	_, err = FromGo(struct{}{})
	assert.Error(t, err)
}

func TestDeepNestingIsRejectedNotCrashed(t *testing.T) {
	deep := make([]byte, 0, 2*maxDepth+10)
	for i := 0; i < maxDepth+5; i++ {
		deep = append(deep, '[')
	}
	_, err := Decode(deep)
	assert.Error(t, err)
}

// FuzzDecode checks that any input either fails cleanly or round-trips:
// decoding the encoded form gives an equal value, and encoding is stable.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,"x",null,true]}`, `"\u00e9"`, `-0.0`, `1e400`, `[{}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Decode(data)
		if err != nil {
			return
		}
		enc := Encode(v)
		w, err := Decode(enc)
		if err != nil {
			t.Fatalf("re-decode of %q failed: %v", enc, err)
		}
		if !Equal(v, w) {
			t.Fatalf("round trip changed value: %q -> %q", data, enc)
		}
		if string(Encode(w)) != string(enc) {
			t.Fatalf("encoding not stable: %q vs %q", enc, Encode(w))
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	data := []byte(`{"id":"abc","items":[{"n":1,"tags":["a","b"]},{"n":2.5,"ok":true}],"nested":{"deep":{"x":null}}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	v, _ := DecodeString(`{"id":"abc","items":[{"n":1,"tags":["a","b"]},{"n":2.5,"ok":true}],"nested":{"deep":{"x":null}}}`)
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = Append(buf[:0], v)
	}
}

// TestConcurrentReadsOfASharedLargeObject guards the rule that reading a
// value never writes to it (run with -race).
func TestConcurrentReadsOfASharedLargeObject(t *testing.T) {
	o := NewObject(0)
	for i := 0; i < 40; i++ {
		o.Append(string(rune('A'+i)), int64(i))
	}
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func() {
			for i := 0; i < 40; i++ {
				v, ok := o.Get(string(rune('A' + i)))
				if !ok || v != int64(i) {
					t.Errorf("Get(%c) = %v, %v", 'A'+i, v, ok)
				}
			}
			done <- true
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}

func TestIndexFollowsDuplicatesAndDeletes(t *testing.T) {
	o := NewObject(0)
	for i := 0; i < 20; i++ {
		o.Append(string(rune('a'+i)), int64(i))
	}
	o.Append("a", "second") // Append does not check: the first "a" stays the one found
	v, _ := o.Get("a")
	assert.Equal(t, int64(0), v)
	o.Delete("a")
	v, _ = o.Get("b")
	assert.Equal(t, int64(1), v)
	c := o.ShallowCopy()
	c.Set("zz", true)
	assert.False(t, o.Has("zz"))
	assert.True(t, c.Has("zz"))
}

func TestDecodeSharedMatchesDecode(t *testing.T) {
	big := `{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k3":"dup","k13":[1,{"a":"x"},"x"]}`
	for _, in := range []string{
		`{"z": 1, "a": 1.0, "m": [true, null, "x", -2, 3e2], "n": {"b": {}, "a": []}}`,
		`{"a":1,"b":2,"a":3}`, big, `[[],[{}],{"a":[1,[2,[3]]]}]`, `"a\"b\u00e9"`,
		`{"s":"same","t":"same","u":["same","same"]}`, `123456789012345678901234567890`,
		`-0`, `-9223372036854775808`, `999999999999999999`, `1e400`, `{"a":1,}`, `[1,]`, `"\x"`,
	} {
		want, werr := DecodeString(in)
		got, gerr := DecodeShared(in)
		if werr != nil {
			assert.Equal(t, werr, gerr, in)
			continue
		}
		require.NoError(t, gerr, in)
		assert.Equal(t, EncodeString(want), EncodeString(got), in)
		assert.True(t, Equal(want, got), in)
	}
}

func TestDecodeSharedObjectsAreIndependent(t *testing.T) {
	v, err := DecodeShared(`[{"a":1,"b":2},{"c":3,"d":4}]`)
	require.NoError(t, err)
	arr := v.([]any)
	first, second := arr[0].(*Object), arr[1].(*Object)
	first.Set("e", int64(5))
	first.Delete("a")
	second.Append("f", int64(6))
	assert.Equal(t, `[{"b":2,"e":5},{"c":3,"d":4,"f":6}]`, EncodeString(v))
}

func TestEqualStrictKeepsIntegersApartFromFloats(t *testing.T) {
	a, _ := DecodeString(`{"a":[1,{"b":2}]}`)
	b, _ := DecodeString(`{"a":[1.0,{"b":2}]}`)
	c, _ := DecodeString(`{"a":[1,{"b":2}]}`)
	assert.True(t, Equal(a, b))
	assert.False(t, EqualStrict(a, b))
	assert.True(t, EqualStrict(a, c))
}
