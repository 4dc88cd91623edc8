package pool

import (
	"context"
	"testing"
	"time"

	"github.com/openttsc/ttsc"
)

// BenchmarkPoolSentenceOneHost measures the per-request overhead of the
// host protocol on a sentence, the size of a segment.
func BenchmarkPoolSentenceOneHost(b *testing.B) {
	p := newPool(b, 1, 30*time.Second)
	req := ttsc.SynthesisRequest{Engine: "espeak", Voice: "en-us+klatt", Text: "He carried a small lamp, a notebook and a flask of tea, and he counted the steps as he went.", Speed: 100, Pitch: 100}
	for b.Loop() {
		if _, err := p.Synthesize(context.Background(), req); err != nil {
			b.Error(err)
		}
	}
}

// BenchmarkPoolSentence keeps two hosts busy with sentences.
func BenchmarkPoolSentence(b *testing.B) {
	p := newPool(b, 2, 30*time.Second)
	req := ttsc.SynthesisRequest{Engine: "espeak", Voice: "en-us+klatt", Text: "He carried a small lamp, a notebook and a flask of tea, and he counted the steps as he went.", Speed: 100, Pitch: 100}
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := p.Synthesize(context.Background(), req); err != nil {
				b.Error(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "segments/s")
}
