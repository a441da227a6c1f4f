// Command productconfigurator builds a small product configurator (a
// frame step with two options, a price matrix), activates it and prices a
// customer's selection.
//
// With PRODUCTCONFIGURATOR_TOKEN (an integration JWT) set it talks to
// product-configurator.api.gogemini.io for the tenant in
// PRODUCTCONFIGURATOR_TENANT; without it, it starts the local fake and uses
// a demo token.
package main

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"os"

	"github.com/apigen-go/apigen/generated/productconfigurator"
	fake "github.com/apigen-go/apigen/internal/fakes/productconfigurator"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/secret"
)

func main() {
	ctx := context.Background()
	tenant := os.Getenv("PRODUCTCONFIGURATOR_TENANT")

	serverURL := "" // the spec's server: https://product-configurator.api.gogemini.io
	var opts []productconfigurator.Option
	creds, err := productconfigurator.CredentialsFromEnv()
	if err != nil {
		log.Printf("%v; using the local fake", err)
		srv := httptest.NewServer(fake.New(fake.DefaultConfig()))
		defer srv.Close()
		serverURL, tenant = srv.URL, "tenant-1"
		creds = productconfigurator.Credentials{Token: secret.New("fake-integration-jwt")}
		opts = append(opts, productconfigurator.WithInsecureHTTP())
	}
	if tenant == "" {
		log.Fatal("set PRODUCTCONFIGURATOR_TENANT")
	}
	client, err := productconfigurator.New(serverURL, append(opts, productconfigurator.WithCredentials(creds))...)
	if err != nil {
		log.Fatal(err)
	}
	en := func(s string) *productconfigurator.LocalizedText {
		return &productconfigurator.LocalizedText{Value: map[string]string{"en": s}}
	}

	conf, err := client.CreateConfigurator(ctx, tenant, "demo-bike", &productconfigurator.CreateConfiguratorRequest{Label: opt.Some("Demo bike")})
	check(err)
	step, err := client.CreateStep(ctx, tenant, conf.ID, &productconfigurator.StepInput{Label: en("Frame")})
	check(err)
	options, err := client.BulkCreateOptions(ctx, tenant, step.ID, &productconfigurator.BulkCreateOptionsRequest{
		Options: []productconfigurator.OptionInput{{Label: en("Steel")}, {Label: en("Carbon")}},
	})
	check(err)
	carbon := options.Options[1].ID
	matrix, err := client.CreateMatrix(ctx, tenant, &productconfigurator.CreateMatrixRequest{
		ConfiguratorID: conf.ID, Label: opt.Some("Prices"),
		PriceType: &productconfigurator.PriceType{Currency: opt.Some("EUR")},
	})
	check(err)
	for _, p := range []productconfigurator.CreatePropertyRequest{
		{MatrixID: matrix.ID, PropertyValue: "500"},
		{MatrixID: matrix.ID, OptionIDs: []string{carbon}, PropertyValue: "1200.50"},
	} {
		_, err := client.CreateProperty(ctx, tenant, &p)
		check(err)
	}
	active, err := client.UpdateConfigurator(ctx, tenant, conf.ID, &productconfigurator.UpdateConfiguratorRequest{
		Payload:     productconfigurator.UpdateConfiguratorRequestPayload{Status: opt.Some(productconfigurator.ConfiguratorStatusActive)},
		PayloadMask: opt.Some("status"),
	})
	check(err)
	status, _ := active.Status.Get()
	fmt.Printf("configurator %s is %s\n", active.ID, status)

	cfg, err := client.GetConfigurationFromSelections(ctx, tenant, "demo-bike", &productconfigurator.SelectionsRequest{
		Selections: []productconfigurator.Selection{{StepID: step.ID, OptionIDs: []string{carbon}}},
	})
	check(err)
	var price productconfigurator.Money
	if cfg.Price != nil { // optional struct members are pointers: nil = absent
		price = *cfg.Price
	}
	fmt.Printf("a carbon frame costs %s.%02d EUR\n", price.Units.Value, price.Micros.Value/10000)
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
