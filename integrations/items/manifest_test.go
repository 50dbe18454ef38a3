package items

import (
	"testing"

	"github.com/stepwise/stepwise/asl/fault"
)

func TestInventoryManifest(t *testing.T) {
	manifest := `{
  "sourceBucket" : "source",
  "destinationBucket" : "arn:aws:s3:::inventory",
  "version" : "2016-11-30",
  "creationTimestamp" : "1668560400000",
  "fileFormat" : "CSV",
  "fileSchema" : "Bucket, Key, Size, LastModifiedDate",
  "files" : [ {
    "key" : "source/config/data/one.csv.gz",
    "size" : 7300,
    "MD5checksum" : "a7ff4a1d4164c3cd55851055ec8f6b20"
  }, {
    "key" : "source/config/data/two.csv.gz",
    "size" : 100,
    "MD5checksum" : "a7ff4a1d4164c3cd55851055ec8f6b21"
  } ]
}`
	one := gz("\"source\",\"csvDataset/\",\"0\",\"2022-11-16T00:27:19.000Z\"\n\"source\",\"csvDataset/titles.csv\",\"3399671\",\"2022-11-16T00:29:32.000Z\"\n")
	two := gz("\"source\",\"imageDataset/n02085620_10074.jpg\",\"27034\",\"2022-11-15T20:02:16.000Z\"\n")
	for _, st := range stores(t) {
		t.Run(st.name, func(t *testing.T) {
			st.mkBucket(t, "inventory")
			st.putObject(t, "inventory", "source/config/2022-11-16T00-00Z/manifest.json", []byte(manifest))
			st.putObject(t, "inventory", "source/config/data/one.csv.gz", []byte(one))
			st.putObject(t, "inventory", "source/config/data/two.csv.gz", []byte(two))
			st.putObject(t, "inventory", "orc/manifest.json", []byte(`{"fileFormat":"ORC","fileSchema":"message s3.inventory {}","files":[]}`))
			st.putObject(t, "inventory", "broken/manifest.json", []byte(`{"fileFormat":`))
			st.putObject(t, "inventory", "missing/manifest.json", []byte(`{"destinationBucket":"arn:aws:s3:::inventory","fileFormat":"CSV","fileSchema":"Bucket, Key","files":[{"key":"missing/data/gone.csv.gz"}]}`))
			cfg := ReaderConfig{Resource: ResourceGetObject, Bucket: "inventory", Key: "source/config/2022-11-16T00-00Z/manifest.json", InputType: "MANIFEST"}
			got, err := readAll(t, st.objs, cfg)
			if err != nil {
				t.Fatal(err)
			}
			// The developer guide's child input for this inventory:
			// {"LastModifiedDate", "Bucket", "Size", "Key"}, strings all.
			want := `[{"LastModifiedDate":"2022-11-16T00:27:19.000Z","Bucket":"source","Size":"0","Key":"csvDataset/"},` +
				`{"LastModifiedDate":"2022-11-16T00:29:32.000Z","Bucket":"source","Size":"3399671","Key":"csvDataset/titles.csv"},` +
				`{"LastModifiedDate":"2022-11-15T20:02:16.000Z","Bucket":"source","Size":"27034","Key":"imageDataset/n02085620_10074.jpg"}]`
			if got != want {
				t.Errorf("items\n got %s\nwant %s", got, want)
			}
			cfg.InputType, cfg.ManifestType = "", "S3_INVENTORY"
			if got2, err := readAll(t, st.objs, cfg); err != nil || got2 != want {
				t.Errorf("ManifestType S3_INVENTORY: %s, %v", got2, err)
			}
			cfg.ManifestType, cfg.InputType, cfg.MaxItems = "", "MANIFEST", 2
			if got2, err := readAll(t, st.objs, cfg); err != nil || got2 != want[:len(want)-len(`,{"LastModifiedDate":"2022-11-15T20:02:16.000Z","Bucket":"source","Size":"27034","Key":"imageDataset/n02085620_10074.jpg"}]`)]+"]" {
				t.Errorf("MaxItems 2: %s, %v", got2, err)
			}
			_, err = readAll(t, st.objs, ReaderConfig{Resource: ResourceGetObject, Bucket: "inventory", Key: "orc/manifest.json", InputType: "MANIFEST"})
			wantFault(t, err, fault.ItemReaderFailed, `the S3 inventory report is in "ORC" format: Step Functions reads S3 inventory reports in CSV format only`)
			_, err = readAll(t, st.objs, ReaderConfig{Resource: ResourceGetObject, Bucket: "inventory", Key: "broken/manifest.json", InputType: "MANIFEST"})
			wantFault(t, err, fault.ItemReaderFailed, "the S3 inventory manifest s3://inventory/broken/manifest.json is not valid JSON...")
			_, err = readAll(t, st.objs, ReaderConfig{Resource: ResourceGetObject, Bucket: "inventory", Key: "missing/manifest.json", InputType: "MANIFEST"})
			wantFault(t, err, fault.ItemReaderFailed, "The specified key does not exist. (Service: S3, Status Code: 404...")
		})
	}
}

func TestAthenaManifest(t *testing.T) {
	for _, st := range stores(t) {
		t.Run(st.name, func(t *testing.T) {
			st.mkBucket(t, "results")
			st.mkBucket(t, "other")
			st.putObject(t, "results", "q/q1-manifest.csv", []byte("s3://results/q/data/part-0\ns3://other/part-1.gz\n\n"))
			st.putObject(t, "results", "q/data/part-0", []byte("1,a\n2,b\n"))
			st.putObject(t, "other", "part-1.gz", []byte(gz("3,c\n")))
			st.putObject(t, "results", "bad/manifest.csv", []byte("https://example.com/x\n"))
			cfg := ReaderConfig{Resource: ResourceGetObject, Bucket: "results", Key: "q/q1-manifest.csv", ManifestType: "ATHENA_DATA",
				InputType: "CSV", CSVHeaderLocation: "GIVEN", CSVHeaders: []string{"id", "name"}}
			got, err := readAll(t, st.objs, cfg)
			if want := `[{"name":"a","id":"1"},{"name":"b","id":"2"},{"name":"c","id":"3"}]`; err != nil || got != want {
				t.Errorf("items %s, %v\nwant %s", got, err, want)
			}
			cfg.Key = "bad/manifest.csv"
			_, err = readAll(t, st.objs, cfg)
			wantFault(t, err, fault.ItemReaderFailed, `the Athena manifest s3://results/bad/manifest.csv lists "https://example.com/x", which is not an s3://bucket/key URI`)
		})
	}
}
