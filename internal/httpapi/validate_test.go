package httpapi

import (
	"net/url"
	"strings"
	"testing"

	"github.com/openttsc/ttsc"
)

func TestCheckText(t *testing.T) {
	s := func(v string) *string { return &v }
	for _, test := range []struct {
		name     string
		v        *string
		required bool
		code     string
	}{
		{"OKShort", s("hi"), true, ""},
		{"OKLimit", s(strings.Repeat("字", ttsc.MaxTextRunes)), true, ""},
		{"OKOptionalMissing", nil, false, ""},
		{"ErrRequiredMissing", nil, true, ttsc.EINVALID},
		{"ErrRequiredEmpty", s(""), true, ttsc.EINVALID},
		{"ErrOverLimit", s(strings.Repeat("字", ttsc.MaxTextRunes+1)), true, ttsc.EINVALID},
		{"ErrWhiteSpace", s(" \t\n"), true, ttsc.EINVALID},
		{"ErrInvalidUTF8", s("a\xffb"), true, ttsc.EINVALID},
		{"ErrNUL", s("a\x00b"), true, ttsc.EINVALID},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := checkText("text", test.v, test.required)
			if got := ttsc.ErrorCode(err); got != test.code {
				t.Fatalf("code %q (%v), want %q", got, err, test.code)
			}
			if err != nil && !strings.Contains(ttsc.ErrorMessage(err), "text") {
				t.Errorf("message %q does not name the field", ttsc.ErrorMessage(err))
			}
		})
	}
}

func TestCheckProsody(t *testing.T) {
	i := func(v int32) *int32 { return &v }
	for _, test := range []struct {
		name                     string
		speed, pitch, vol, chan_ *int32
		want                     ttsc.Prosody
		errField                 string
	}{
		{name: "OKDefaults", want: ttsc.DefaultProsody()},
		{name: "OKExtremes", speed: i(50), pitch: i(200), vol: i(240), chan_: i(2), want: ttsc.Prosody{Speed: 50, Pitch: 200, Volume: 240, Channels: 2}},
		{name: "ErrSpeed", speed: i(49), errField: "speed"},
		{name: "ErrPitch", pitch: i(201), errField: "pitch"},
		{name: "ErrVolume", vol: i(89), errField: "volume"},
		{name: "ErrChannels", chan_: i(0), errField: "channels"},
	} {
		t.Run(test.name, func(t *testing.T) {
			got, err := checkProsody(test.speed, test.pitch, test.vol, test.chan_)
			if test.errField != "" {
				if ttsc.ErrorCode(err) != ttsc.EINVALID || !strings.Contains(ttsc.ErrorMessage(err), test.errField) {
					t.Fatalf("err %v, want EINVALID naming %s", err, test.errField)
				}
				return
			}
			if err != nil || got != test.want {
				t.Errorf("got %+v, %v; want %+v", got, err, test.want)
			}
		})
	}
}

func TestPaging(t *testing.T) {
	for _, test := range []struct {
		name          string
		query         string
		offset, limit int
		wantErr       bool
	}{
		{"OKDefault", "", 0, 10, false},
		{"OKGiven", "offset=5&limit=100", 5, 100, false},
		{"ErrLimitZero", "limit=0", 0, 0, true},
		{"ErrLimitTooLarge", "limit=101", 0, 0, true},
		{"ErrLimitNotNumber", "limit=ten", 0, 0, true},
		{"ErrNegativeOffset", "offset=-1", 0, 0, true},
	} {
		t.Run(test.name, func(t *testing.T) {
			q, _ := url.ParseQuery(test.query)
			off, lim, err := paging(q, 10, 100)
			if (err != nil) != test.wantErr || off != test.offset || lim != test.limit {
				t.Errorf("paging(%q) = %d, %d, %v", test.query, off, lim, err)
			}
		})
	}
}

func TestValidRequestID(t *testing.T) {
	for _, test := range []struct {
		id   string
		want bool
	}{
		{"3f0924078d1b471c884a5383d4dec9fa", true},
		{"a1b2c3d4-e5f6-7890-abcd-ef1234567890", true},
		{"", false},
		{strings.Repeat("a", 129), false},
		{"with space", false},
		{"line\nbreak", false},
		{"<script>", false},
	} {
		if got := validRequestID(test.id); got != test.want {
			t.Errorf("validRequestID(%q) = %v, want %v", test.id, got, test.want)
		}
	}
}

func TestListHas(t *testing.T) {
	for _, test := range []struct {
		list, v string
		want    bool
	}{
		{"", "EN", true},
		{"EN", "EN", true},
		{"cn, en", "EN", true},
		{"FR", "fr", true},
		{"CN,GER", "EN", false},
	} {
		if got := listHas(test.list, test.v); got != test.want {
			t.Errorf("listHas(%q, %q) = %v, want %v", test.list, test.v, got, test.want)
		}
	}
}
