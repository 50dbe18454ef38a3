package model

import "testing"

// BenchmarkFirstUse measures decoding a service's table the first time a
// task names it: its operations alone (enough to recognise a Resource), and
// with its shapes (needed to call it), for a small (dynamodb), a large (s3)
// and the largest (sagemaker) model.
func BenchmarkFirstUse(b *testing.B) {
	for _, name := range []string{"dynamodb", "s3", "sagemaker"} {
		b.Run(name+"/operations", func(b *testing.B) {
			for b.Loop() {
				if _, ok, err := Embedded().Service(name); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
		})
		b.Run(name+"/with-shapes", func(b *testing.B) {
			for b.Loop() {
				s, ok, err := Embedded().Service(name)
				if !ok || err != nil {
					b.Fatal(ok, err)
				}
				if err := s.Load(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
