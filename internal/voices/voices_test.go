package voices_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/voices"
)

// languageEnum is MetaStudio's language enum (spec §4.3), casing as-is.
var languageEnum = []string{
	"UNKNOW", "CN", "EN", "GER", "fr", "Kr", "por", "JPN", "Ita", "ESP", "DBH", "GT", "GXH",
	"HBH", "SXH", "SCH", "YY", "Russian", "Filipino", "Dutch", "Indonesian", "Vietnamese",
	"Arabic", "Turkish", "Malay", "Thai", "Finnish",
}

var regions = []string{"cn-east-3", "cn-north-4", "ap-southeast-3"}

var hexID = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestCatalogIDs(t *testing.T) {
	t.Run("AreUniqueLowercaseHex", func(t *testing.T) {
		seen := map[string]string{}
		for _, v := range voices.Catalog() {
			if !hexID.MatchString(v.ID) {
				t.Errorf("%s: ID %q is not 32 lowercase hex characters", v.Name, v.ID)
			}
			if other, dup := seen[v.ID]; dup {
				t.Errorf("ID %s is used by %s and %s", v.ID, other, v.Name)
			}
			seen[v.ID] = v.Name
		}
	})
	t.Run("AreStable", func(t *testing.T) {
		// IDs clients already hold. A change here breaks them: do not
		// update this list, keep the old ID instead.
		want := map[string]string{
			"cmn-latn-pinyin+f5":    "42c88bf7fe2511743856a6787bccd29a",
			"cmn-latn-pinyin+klatt": "6e5b308e3faa33e164138ba531da9ae6",
			"en-us+f5":              "7990dbf6afd007ce63db00728950081a",
			"en+klatt":              "90fab7f947a1c46f39949419716c5098", // was en-gb+klatt
			"yue+f5":                "1a2d5724efc88393fcd33d54e003850c",
			"de+klatt":              "5cf08183548da01ab825bfe3e953ea1e",
			"ko+f5":                 "1833dd8de64a48bc29f0bc904a68ab6a",
		}
		got := map[string]string{}
		for _, v := range voices.List(voices.Filter{Preset: new(false)}) {
			if _, ok := want[v.EngineVoice]; ok {
				got[v.EngineVoice] = v.ID
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("voice IDs changed (-want +got):\n%s", diff)
		}
	})
	t.Run("IncludeEveryPublishedPreset", func(t *testing.T) {
		// Spec §4.4: 11 presets in 3 regions, but 云渺 has no Singapore ID.
		presets := voices.List(voices.Filter{Preset: new(true)})
		if len(presets) != 32 {
			t.Errorf("%d preset IDs, want 32", len(presets))
		}
		for id, name := range map[string]string{
			"0a4b548fd8d2d6998e1fc3fffb29f9bc": "Yunge / 云歌",
			"075494c45b5aef529d55cd2a456e6076": "Yunge / 云歌",
			"cbcfbfa73488876ce507144c87307440": "Yunge / 云歌",
			"b6a3482d2cdc1d519eb37d319ad1d7b8": "Yunmiao / 云渺",
			"c69775062ce1a1191027d03f5a782cd8": "Humorous female / 幽默女声",
		} {
			v, ok := voices.Lookup(id)
			if !ok || v.Name != name || !v.Preset {
				t.Errorf("Lookup(%s) = %q, preset %v, found %v; want preset %q", id, v.Name, v.Preset, ok, name)
			}
		}
	})
}

func TestCatalogFields(t *testing.T) {
	all := voices.Catalog()
	local := map[string]ttsc.Voice{}
	for _, v := range all {
		if !v.Preset {
			local[v.Engine+":"+v.EngineVoice] = v
		}
	}
	for i, v := range all {
		if !slices.Contains(languageEnum, v.Language) {
			t.Errorf("%s: language %q is not in MetaStudio's enum", v.Name, v.Language)
		}
		if v.Sex != ttsc.SexMale && v.Sex != ttsc.SexFemale {
			t.Errorf("%s: sex %q, want MALE or FEMALE", v.Name, v.Sex)
		}
		if v.Name == "" || v.Description == "" || v.Locale == "" || v.Sample == "" || v.Engine == "" || v.EngineVoice == "" {
			t.Errorf("voice %s has an empty field: %+v", v.ID, v)
		}
		if i > 0 && v.Order <= all[i-1].Order {
			t.Errorf("%s: order %d does not follow %d", v.Name, v.Order, all[i-1].Order)
		}
		if v.Preset != slices.Contains(regions, v.Region) {
			t.Errorf("%s: preset %v but region %q", v.Name, v.Preset, v.Region)
		}
		if v.Preset {
			to, ok := local[v.Engine+":"+v.EngineVoice]
			switch {
			case !ok:
				t.Errorf("preset %s maps to %s:%s, which is not a catalogue voice", v.ID, v.Engine, v.EngineVoice)
			case to.Sex != v.Sex || to.Language != v.Language || to.Sample != v.Sample:
				t.Errorf("preset %s (%s, %s) disagrees with its voice %s (%s, %s)", v.ID, v.Sex, v.Language, to.Name, to.Sex, to.Language)
			}
		}
	}
	for _, lang := range []string{"CN", "EN", "YY", "GER", "fr", "ESP", "Ita", "por", "Russian", "Kr"} {
		for _, sex := range []string{ttsc.SexFemale, ttsc.SexMale} {
			if len(voices.List(voices.Filter{Languages: []string{lang}, Sexes: []string{sex}, Preset: new(false)})) == 0 {
				t.Errorf("no %s %s voice", sex, lang)
			}
		}
	}
}

func TestCatalogIsACopy(t *testing.T) {
	c := voices.Catalog()
	id := c[0].ID
	c[0].Name = "changed"
	if v, _ := voices.Lookup(id); v.Name == "changed" {
		t.Error("changing Catalog's result changed the catalogue")
	}
}

func TestLookup(t *testing.T) {
	for _, test := range []struct {
		name, id  string
		wantOK    bool
		wantVoice string
	}{
		{"LocalVoiceIsFound", "7990dbf6afd007ce63db00728950081a", true, "en-us+f5"},
		{"PresetIsFoundWithItsVoice", "0a4b548fd8d2d6998e1fc3fffb29f9bc", true, "cmn-latn-pinyin+klatt"},
		{"FemalePresetGetsFemaleVoice", "f6f13895eaa9da542f0f5de52a3711d9", true, "cmn-latn-pinyin+f5"},
		{"UnknownIsMissing", "00000000000000000000000000000000", false, ""},
		{"UppercaseIsMissing", "7990DBF6AFD007CE63DB00728950081A", false, ""},
		{"EmptyIsMissing", "", false, ""},
	} {
		t.Run(test.name, func(t *testing.T) {
			v, ok := voices.Lookup(test.id)
			if ok != test.wantOK || v.EngineVoice != test.wantVoice {
				t.Errorf("Lookup(%q) = %q, %v; want %q, %v", test.id, v.EngineVoice, ok, test.wantVoice, test.wantOK)
			}
		})
	}
}

func TestList(t *testing.T) {
	for _, test := range []struct {
		name   string
		filter voices.Filter
		// want checks each voice listed; wantCount is how many.
		want      func(ttsc.Voice) bool
		wantCount int
	}{
		{"EmptyFilterListsAll", voices.Filter{}, func(ttsc.Voice) bool { return true }, len(voices.Catalog())},
		{"LanguageMatchesAnyCase", voices.Filter{Languages: []string{"yy"}},
			func(v ttsc.Voice) bool { return v.Language == "YY" }, 2},
		{"LanguagesAreAlternatives", voices.Filter{Languages: []string{"fr", "GER"}},
			func(v ttsc.Voice) bool { return v.Language == "fr" || v.Language == "GER" }, 4},
		{"SexSelects", voices.Filter{Languages: []string{"EN"}, Sexes: []string{"female"}},
			func(v ttsc.Voice) bool { return v.Language == "EN" && v.Sex == ttsc.SexFemale }, 3},
		{"NameIsCaseInsensitiveSubstring", voices.Filter{Name: "CANTONESE"},
			func(v ttsc.Voice) bool { return v.Language == "YY" }, 2},
		{"ChineseNameMatches", voices.Filter{Name: "云歌"},
			func(v ttsc.Voice) bool { return v.Name == "Yunge / 云歌" }, 3},
		{"EngineSelects", voices.Filter{Engine: "espeak", Preset: new(false)},
			func(v ttsc.Voice) bool { return v.Engine == "espeak" && !v.Preset }, len(voices.Catalog()) - 32 - 4},
		{"FliteVoices", voices.Filter{Engine: "FLITE"},
			func(v ttsc.Voice) bool { return v.Engine == "flite" && v.Language == "EN" }, 4},
		{"PresetTrueListsPresets", voices.Filter{Preset: new(true)},
			func(v ttsc.Voice) bool { return v.Preset }, 32},
		{"UnknownLanguageListsNothing", voices.Filter{Languages: []string{"Klingon"}}, nil, 0},
		{"UnknownEngineListsNothing", voices.Filter{Engine: "festival"}, nil, 0},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := voices.List(test.filter)
			if len(got) != test.wantCount {
				t.Errorf("listed %d voices, want %d", len(got), test.wantCount)
			}
			for i, v := range got {
				if !test.want(v) {
					t.Errorf("listed %s (%s, %s), which the filter excludes", v.Name, v.Language, v.Sex)
				}
				if i > 0 && v.Order <= got[i-1].Order {
					t.Errorf("%s listed out of order", v.Name)
				}
			}
		})
	}
}

// TestDocsListEveryVoice keeps docs/voices.md in step with the catalogue.
func TestDocsListEveryVoice(t *testing.T) {
	doc, err := os.ReadFile("../../docs/voices.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range voices.Catalog() {
		row := "`" + v.ID + "`"
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/voices.md does not list %s (%s)", v.ID, v.Name)
		}
		if !v.Preset && !strings.Contains(string(doc), "`"+v.EngineVoice+"`") {
			t.Errorf("docs/voices.md does not name the engine voice %s", v.EngineVoice)
		}
	}
}
