// Command launchdarkly lists the feature flags of a LaunchDarkly project,
// turns one on in an environment with a semantic patch and reads it back.
//
// With LAUNCHDARKLY_TOKEN set it talks to app.launchdarkly.com (set
// LAUNCHDARKLY_PROJECT, LAUNCHDARKLY_FLAG and LAUNCHDARKLY_ENV too);
// without it, it starts the local fake and uses a demo token.
package main

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"os"

	"github.com/apigen-go/apigen/generated/launchdarkly"
	fake "github.com/apigen-go/apigen/internal/fakes/launchdarkly"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/secret"
)

// apiVersion is the LD-API-Version every call sends.
const apiVersion = "20240415"

func main() {
	ctx := context.Background()
	project, flagKey, env := envOr("LAUNCHDARKLY_PROJECT", "default"), envOr("LAUNCHDARKLY_FLAG", "engine.enable"), envOr("LAUNCHDARKLY_ENV", "test")

	serverURL := "" // the spec's first server: https://app.launchdarkly.com
	var opts []launchdarkly.Option
	creds, err := launchdarkly.CredentialsFromEnv()
	if err != nil {
		log.Printf("%v; using the local fake", err)
		srv := httptest.NewServer(fake.New(fake.DefaultConfig()))
		defer srv.Close()
		serverURL = srv.URL
		creds = launchdarkly.Credentials{Token: secret.New("api-fake-token")}
		opts = append(opts, launchdarkly.WithInsecureHTTP())
	}
	client, err := launchdarkly.New(serverURL, append(opts, launchdarkly.WithCredentials(creds))...)
	if err != nil {
		log.Fatal(err)
	}

	// Every flag of the project, following _links.next page by page.
	list := &launchdarkly.GetFeatureFlagsParams{LdAPIVersion: apiVersion, Limit: opt.Some(int64(20))}
	for flag, err := range client.GetFeatureFlagsAll(ctx, project, list) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("flag %-16s %s\n", flag.Key, flag.Name)
	}

	// Turn one flag on in one environment with a semantic patch.
	patched, err := client.PatchFeatureFlagSemanticpatch(ctx, project, flagKey, &launchdarkly.PatchFeatureFlagParams{LdAPIVersion: apiVersion},
		&launchdarkly.SemanticPatch{
			Comment:        opt.Some("turned on by the apigen example"),
			EnvironmentKey: opt.Some(env),
			Instructions:   []launchdarkly.Instruction{{Kind: "turnFlagOn"}},
		})
	if err != nil {
		log.Fatal(err)
	}
	flagEnv := patched.Environments[env]
	fmt.Printf("%s is now on in %s: %v (version %d)\n", patched.Key, env, flagEnv.On.Or(false), patched.Version.Or(0))
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
