package model

import "testing"

// BenchmarkFirstUse measures decoding a service's table the first time a
// task names it: a small (dynamodb), a large (s3) and the largest
// (sagemaker) model.
func BenchmarkFirstUse(b *testing.B) {
	for _, name := range []string{"dynamodb", "s3", "sagemaker"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, ok, err := Embedded().Service(name); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
		})
	}
}
