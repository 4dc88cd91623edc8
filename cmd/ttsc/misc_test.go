package main

import (
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1/model"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/auth"
)

func TestOnceCode(t *testing.T) {
	ts := startServer(t, "")
	c := ts.client(t, ts.Cred)
	resp, err := c.CreateTtsOnceCode(&model.CreateTtsOnceCodeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	code := *resp.OnceCode
	if len(code) < 40 {
		t.Fatalf("once code %q is too short to be unguessable", code)
	}
	// Stored hashed, valid once, for this project.
	got, err := ts.db.ConsumeOnceCode(t.Context(), auth.HashToken(code), ts.Clock.Now())
	if err != nil || got.ProjectID != ts.Cred.ProjectID {
		t.Fatalf("consume: %+v, %v", got, err)
	}
	if _, err := ts.db.ConsumeOnceCode(t.Context(), auth.HashToken(code), ts.Clock.Now()); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
		t.Errorf("second use: %v, want ENOTFOUND", err)
	}
	other, _ := c.CreateTtsOnceCode(&model.CreateTtsOnceCodeRequest{})
	if *other.OnceCode == code {
		t.Error("two once codes are equal")
	}
}

func TestPhoneticSymbol(t *testing.T) {
	ts := startServer(t, "")
	c := ts.client(t, ts.Cred)
	resp, err := c.ShowTtsPhoneticSymbol(&model.ShowTtsPhoneticSymbolRequest{Word: "tomato"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Data == nil || len(*resp.Data) == 0 {
		t.Fatal("no phonetic symbols for tomato")
	}
	for _, ipa := range *resp.Data {
		if !strings.Contains(ipa, "t") || !strings.Contains(ipa, "m") || strings.ContainsAny(ipa, "()") {
			t.Errorf("IPA %q does not look like tomato", ipa)
		}
	}
	if len(*resp.Data) < 2 {
		t.Logf("only one reading: %q", *resp.Data)
	}
	for _, bad := range []string{"", "two words", "你好", strings.Repeat("a", 65)} {
		_, err := c.ShowTtsPhoneticSymbol(&model.ShowTtsPhoneticSymbolRequest{Word: bad})
		sdkError(t, err, http.StatusBadRequest, "MSS.00000003")
	}
}

func TestServeFlags(t *testing.T) {
	t.Run("OKDefaults", func(t *testing.T) {
		var m Main
		if err := m.ParseFlags(nil, io.Discard); err != nil {
			t.Fatalf("serve with no flags: %v", err)
		}
		if want := DefaultServeConfig(); !reflect.DeepEqual(m.Config, want) {
			t.Errorf("config %+v, want the defaults %+v", m.Config, want)
		}
	})
	for _, bad := range [][]string{{"--role", "boss"}, {"--engine-memory-mb", "8"}, {"--rate-query", "-1"}, {"--callback-allow", "10.0.0.0/99"}, {"--engine-workers", "0"}} {
		t.Run("Err"+strings.Join(bad, ""), func(t *testing.T) {
			var m Main
			if err := m.ParseFlags(bad, io.Discard); err == nil {
				t.Errorf("%v accepted", bad)
			}
		})
	}
}

// A second server of role all on a SQLite database already served is
// refused before it touches anything, with a message saying why.
func TestSecondServerOnSQLiteIsRefused(t *testing.T) {
	onlyOn(t, "sqlite")
	dir := t.TempDir()
	ts := startServer(t, dir)
	for _, role := range []string{RoleAll, RoleWorker} {
		t.Run(role+" refused", func(t *testing.T) {
			c := ts.Config
			c.Role = role
			m := &Main{Config: c, Stderr: io.Discard, EngineCommand: ts.Main.EngineCommand}
			err := m.Run(t.Context())
			if err == nil {
				m.Close()
				t.Fatal("a second server started on the same SQLite database")
			}
			if !strings.Contains(err.Error(), "only server") {
				t.Errorf("error %q does not say why", err)
			}
		})
	}
	// The first server goes on serving.
	if _, err := ts.client(t, ts.Cred).ShowTtsJob(&model.ShowTtsJobRequest{}); err != nil {
		t.Fatalf("the first server after the refusals: %v", err)
	}
}
