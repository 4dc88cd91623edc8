package ttsc_test

import (
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/blob/diskblob"
)

func TestOpenFile(t *testing.T) {
	ctx := context.Background()
	s, err := diskblob.New(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Put(ctx, "p/j/whole.wav", []byte("whole"), ""); err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"first", "second"} {
		if _, err := s.Append(ctx, "p/j/audition.wav", []byte(part)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		f    ttsc.File
		want string // "" for ENOTFOUND
	}{
		{"OKWholeBlob", ttsc.File{Key: "p/j/whole.wav", Size: 5}, "whole"},
		{"OKFirstPart", ttsc.File{Key: "p/j/audition.wav", Size: 5}, "first"},
		{"OKSecondPart", ttsc.File{Key: "p/j/audition.wav", Offset: 5, Size: 6}, "second"},
		{"ErrPartPastTheEnd", ttsc.File{Key: "p/j/audition.wav", Offset: 5, Size: 7}, ""},
		{"ErrNegativeOffset", ttsc.File{Key: "p/j/audition.wav", Offset: -1, Size: 2}, ""},
		{"ErrMissingBlob", ttsc.File{Key: "p/j/none.wav", Size: 1}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ttsc.OpenFile(ctx, s, tc.f)
			if tc.want == "" {
				if ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
					t.Fatalf("OpenFile: %v, want ENOTFOUND", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			got, err := io.ReadAll(b)
			if err != nil || string(got) != tc.want || b.Size != int64(len(tc.want)) {
				t.Errorf("read %q (size %d), %v; want %q", got, b.Size, err, tc.want)
			}
		})
	}
}
