package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1/model"
)

// TestPreviewReadAhead checks that a new preview's first segment, which
// the API starts reading while the preview is queued, is read by the
// engine once: the worker joins that read (a cache hit) instead of
// reading the segment again. The cache and the joining are a lone
// process's, so this holds on the embedded database only.
func TestPreviewReadAhead(t *testing.T) {
	onlyOn(t, "sqlite")
	ts := startServer(t, "")
	c := ts.client(t, ts.Cred)
	const previews = 5
	for _, tt := range []struct {
		name string
		text func(i int) string
	}{
		{"OKOneSegmentReadOnce", func(i int) string { return fmt.Sprintf("Preview number %d is read once.", i) }},
		{"OKEverySegmentOfALongerTextReadOnce", func(i int) string {
			var b strings.Builder
			for k := range 12 {
				fmt.Fprintf(&b, "Sentence %d of preview %d goes on for a while, so that the text needs several segments. ", k, i)
			}
			return b.String()
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			misses := scrape(t, ts.URL, `ttsc_cache_requests_total\{result="miss"\}`)
			hits := scrape(t, ts.URL, `ttsc_cache_requests_total\{result="hit"\}`)
			segments := 0
			for i := range previews {
				created, err := c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{
					Text: tt.text(i), Emotion: voiceID(t, "EN")}})
				if err != nil {
					t.Fatal(err)
				}
				r := waitAudition(t, c, *created.JobId)
				if deref(r.Code) != "0" {
					t.Fatalf("preview %d: %v %v", i, deref(r.Code), deref(r.Message))
				}
				segments += len(*r.Files)
			}
			// A miss is a read by the engine; the worker's joining the
			// read ahead counts as a hit.
			if got := scrape(t, ts.URL, `ttsc_cache_requests_total\{result="miss"\}`) - max(misses, 0); got != float64(segments) {
				t.Errorf("%d segments cost %v engine reads; want one each", segments, got)
			}
			// Every text is new: the only hits are the joined reads,
			// one a preview.
			if got := scrape(t, ts.URL, `ttsc_cache_requests_total\{result="hit"\}`) - max(hits, 0); got != previews {
				t.Errorf("%v cache hits; want %d, one joined read ahead a preview", got, previews)
			}
		})
	}
}
