// Command gen writes the compact service tables of package model from
// AWS's Smithy JSON models (a checkout of github.com/aws/api-models-aws),
// and from botocore's JSON models for services the Smithy checkout lacks:
//
//	go run ./internal/gen -models /path/to/api-models-aws -out data \
//		-botocore /path/to/botocore/data -botocore-services ec2
//
// Without -models it reads the AWS_MODELS environment variable, without
// -botocore BOTOCORE_MODELS and without -botocore-services
// BOTOCORE_SERVICES. Every SERVICE/service/VERSION/*.json Smithy model
// becomes data/NAME.json.gz (the service and its operations) and
// data/NAME.shapes.json.gz (its shapes), NAME being the service as Step
// Functions' aws-sdk integration names it. A botocore model
// (SERVICE/VERSION/service-2.json, the newest VERSION) is used for the
// services -botocore-services names (a comma-separated list of NAMEs,
// replacing a Smithy model of the same name), or, when that is empty, for
// every service no Smithy model has. With -compare, gen writes nothing and
// lists, for every service both inputs have, where the two tables differ.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/stepwise/stepwise/integrations/aws/model"
)

// options are the command's flags.
type options struct {
	models   string // a checkout of api-models-aws
	botocore string // botocore's data directory
	named    string // services to take from botocore, comma-separated
	out      string
	compare  bool
}

func main() {
	var o options
	flag.StringVar(&o.models, "models", os.Getenv("AWS_MODELS"), "a checkout of github.com/aws/api-models-aws (default $AWS_MODELS)")
	flag.StringVar(&o.botocore, "botocore", os.Getenv("BOTOCORE_MODELS"), "botocore's data directory, for services the Smithy models lack (default $BOTOCORE_MODELS)")
	flag.StringVar(&o.named, "botocore-services", os.Getenv("BOTOCORE_SERVICES"), "comma-separated services to take from -botocore (default $BOTOCORE_SERVICES; empty: those the Smithy models lack)")
	flag.StringVar(&o.out, "out", "data", "the directory to write")
	flag.BoolVar(&o.compare, "compare", false, "write nothing; list the differences between the Smithy and botocore tables of every service both have")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if o.models == "" {
		return errors.New("no models: pass -models DIR or set AWS_MODELS to a checkout of github.com/aws/api-models-aws")
	}
	services, skipped, err := loadSmithy(o.models)
	if err != nil {
		return err
	}
	if o.botocore != "" {
		boto, err := loadBotocore(o.botocore)
		if err != nil {
			return err
		}
		if o.compare {
			return compareAll(services, boto)
		}
		if err := merge(services, boto, o.named); err != nil {
			return err
		}
	} else if o.compare {
		return errors.New("-compare needs -botocore")
	}
	return write(services, skipped, o.out)
}

// loadSmithy converts every Smithy model of a checkout of api-models-aws;
// skipped lists the models without a protocol the table knows.
func loadSmithy(models string) (services map[string]*model.Service, skipped []string, err error) {
	files, err := filepath.Glob(filepath.Join(models, "*", "service", "*", "*.json"))
	if err != nil {
		return nil, nil, err
	}
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("%s holds no SERVICE/service/VERSION/*.json models", models)
	}
	sort.Strings(files)
	services = map[string]*model.Service{}
	for _, f := range files {
		s, err := convertFile(f)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f, err)
		}
		if s == nil {
			skipped = append(skipped, f)
			continue
		}
		if prev, dup := services[s.Name]; dup {
			return nil, nil, fmt.Errorf("%s: service name %s also used by %s", f, s.Name, prev.SDKID)
		}
		services[s.Name] = s
	}
	return services, skipped, nil
}

// loadBotocore converts the newest model of every service of botocore's
// data directory (DIR/SERVICE/VERSION/service-2.json[.gz]).
func loadBotocore(dir string) (map[string]*model.Service, error) {
	dirs, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	services := map[string]*model.Service{}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		f, err := botocoreFile(filepath.Join(dir, d.Name()))
		if err != nil {
			return nil, err
		}
		if f == "" {
			continue
		}
		s, err := convertBotocoreFile(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if s == nil {
			continue
		}
		if _, dup := services[s.Name]; dup {
			// botocore keeps a few services under two directories
			// (pinpoint-sms-voice and sms-voice): the first is kept.
			fmt.Fprintf(os.Stderr, "gen: %s: service %s already read from botocore; skipped\n", f, s.Name)
			continue
		}
		services[s.Name] = s
	}
	if len(services) == 0 {
		return nil, fmt.Errorf("%s holds no SERVICE/VERSION/service-2.json models", dir)
	}
	return services, nil
}

// merge adds botocore's services to the Smithy ones: those named (a
// comma-separated list), or when none are, those the Smithy models lack.
func merge(services, boto map[string]*model.Service, named string) error {
	if named == "" {
		for name, s := range boto {
			if services[name] == nil {
				services[name] = s
			}
		}
		return nil
	}
	for _, name := range strings.Split(named, ",") {
		name = strings.TrimSpace(name)
		s, ok := boto[name]
		if !ok {
			return fmt.Errorf("botocore has no service %q", name)
		}
		services[name] = s
	}
	return nil
}

// write replaces the tables of out with the services'.
func write(services map[string]*model.Service, skipped []string, out string) error {
	old, err := filepath.Glob(filepath.Join(out, "*.json.gz"))
	if err != nil {
		return err
	}
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	ops, size := 0, 0
	for name, s := range services {
		b, shapes, err := model.Encode(s)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, name+".json.gz"), b, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, name+".shapes.json.gz"), shapes, 0o644); err != nil {
			return err
		}
		ops += len(s.Operations)
		size += len(b) + len(shapes)
	}
	fmt.Printf("gen: %d services, %d operations, %d bytes; skipped %d models without a protocol %v\n", len(services), ops, size, len(skipped), skipped)
	return nil
}
