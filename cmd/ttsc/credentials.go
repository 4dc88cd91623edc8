package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/auth"
)

var projectIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// runCredentials is `ttsc credentials create|list|delete`.
func runCredentials(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "Usage: ttsc credentials create|list|delete [flags]")
		return errUsage
	}
	sub := args[0]
	var data, database, secretsKey, project string
	fs := newFlagSet("credentials "+sub, credentialsHelp[sub], stderr)
	fs.StringVar(&data, "data", "./data", "data directory of the server")
	fs.StringVar(&database, "database", "", databaseHelp)
	fs.StringVar(&secretsKey, "secrets-key-file", "", secretsKeyHelp)
	if sub == "create" || sub == "list" {
		fs.StringVar(&project, "project", "", "project ID (32 lowercase hex); create: default a new project")
	}
	if _, ok := credentialsHelp[sub]; !ok {
		fmt.Fprintf(stderr, "ttsc credentials: unknown command %q; want create, list or delete\n", sub)
		return errUsage
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if project != "" && !projectIDPattern.MatchString(project) {
		return fmt.Errorf("--project must be 32 lowercase hex characters, got %q", project)
	}
	db, err := openStore(ctx, database, data, secretsKey, storeOptions{})
	if err != nil {
		return err
	}
	defer db.Close()
	enc := json.NewEncoder(stdout)
	switch sub {
	case "create":
		c, err := newCredential(ctx, db, project)
		if err != nil {
			return err
		}
		return enc.Encode(credentialJSON{ProjectID: c.ProjectID, AccessKey: c.AccessKey, SecretKey: c.SecretKey})
	case "list":
		cs, err := db.ListCredentials(ctx, project)
		if err != nil {
			return err
		}
		for _, c := range cs {
			if err := enc.Encode(credentialJSON{ProjectID: c.ProjectID, AccessKey: c.AccessKey, CreateTime: c.CreatedAt.UTC().Format(time.RFC3339)}); err != nil {
				return err
			}
		}
		return nil
	default: // delete
		if fs.NArg() != 1 {
			return fmt.Errorf("credentials delete takes one access key, got %d arguments", fs.NArg())
		}
		return db.DeleteCredential(ctx, fs.Arg(0))
	}
}

var credentialsHelp = map[string]string{
	"create": "Creates an access key pair and prints it once as JSON: {\"project_id\",\"access_key\",\"secret_key\"}.",
	"list":   "Lists access keys as JSON lines, without secrets.",
	"delete": "Deletes the access key given as the argument.",
}

type credentialJSON struct {
	ProjectID  string `json:"project_id"`
	AccessKey  string `json:"access_key"`
	SecretKey  string `json:"secret_key,omitempty"`
	CreateTime string `json:"create_time,omitempty"`
}

// runTokens is `ttsc tokens create`.
func runTokens(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "Usage: ttsc tokens create --project ID [--ttl 24h] [--data DIR]")
		return errUsage
	}
	var data, database, secretsKey, project string
	var ttl time.Duration
	fs := newFlagSet("tokens create", "Creates a bearer token for the X-Auth-Token header of a project and prints it once as JSON.", stderr)
	fs.StringVar(&data, "data", "./data", "data directory of the server")
	fs.StringVar(&database, "database", "", databaseHelp)
	fs.StringVar(&secretsKey, "secrets-key-file", "", secretsKeyHelp)
	fs.StringVar(&project, "project", "", "project ID the token acts for (required)")
	fs.DurationVar(&ttl, "ttl", 24*time.Hour, "validity of the token")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if !projectIDPattern.MatchString(project) {
		return fmt.Errorf("--project must be 32 lowercase hex characters, got %q", project)
	}
	if ttl <= 0 {
		return fmt.Errorf("--ttl must be positive, got %s", ttl)
	}
	db, err := openStore(ctx, database, data, secretsKey, storeOptions{})
	if err != nil {
		return err
	}
	defer db.Close()
	cs, err := db.ListCredentials(ctx, project)
	if err != nil {
		return err
	}
	if len(cs) == 0 {
		return ttsc.Errorf(ttsc.ENOTFOUND, "project %s has no credentials; create one with `ttsc credentials create --project %s`", project, project)
	}
	value, hash, err := auth.NewToken()
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	t := &ttsc.Token{Hash: hash, ProjectID: project, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := db.CreateToken(ctx, t); err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(struct {
		ProjectID string `json:"project_id"`
		Token     string `json:"token"`
		ExpiresAt string `json:"expires_at"`
	}{project, value, t.ExpiresAt.Format(time.RFC3339)})
}
