package aws

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/aws/model"
	"github.com/stepwise/stepwise/integrations/aws/wire"
)

// maxResponse bounds the response bodies read (S3 objects included).
const maxResponse = 256 << 20

// callResult is an operation's result and the response it came in.
type callResult struct {
	out  *value.Object
	resp *wire.Response
}

// service returns the model of a service by its aws-sdk name.
func (inv *Invoker) service(name string) (*model.Service, error) {
	svc, ok, err := inv.models.Service(name)
	if err != nil {
		return nil, fault.New(fault.Runtime, err.Error())
	}
	if !ok {
		return nil, fault.New(fault.Runtime, fmt.Sprintf("no AWS service model for %q", name))
	}
	return svc, nil
}

// call sends operation op (PascalCase) of svc with the given parameters.
// arnName is the service as the Resource names it (for Options.Endpoints).
// Errors are *fault.Error for parameters that do not fit, *wire.APIError
// for service errors, and transport errors otherwise.
func (inv *Invoker) call(ctx context.Context, t *integrations.Task, r resource, svc *model.Service, op string, params any) (callResult, error) {
	req, err := wire.Build(svc, op, params)
	if err != nil {
		return callResult{}, paramError(svc, err)
	}
	base, err := inv.config(ctx)
	if err != nil {
		return callResult{}, err
	}
	region := inv.region(base, t, r)
	creds, err := inv.credentials(ctx, t, base, region)
	if err != nil {
		return callResult{}, err
	}
	if creds != nil {
		// Before any request: a machine without credentials fails the task
		// at once, saying what to do (cached, so the attempts below do not
		// ask again).
		if _, err := creds.Retrieve(ctx); err != nil {
			return callResult{}, noCredentials(t, err)
		}
	}
	endpoint, custom := inv.endpoint(ctx, base, svc, r.service, region)
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return callResult{}, fault.New(fault.Runtime, fmt.Sprintf("invalid endpoint %q for %s", endpoint, svc.Name))
	}
	host := u.Host
	path := strings.TrimSuffix(u.Path, "/") + req.Path
	if req.Bucket != "" && !custom && dnsCompatible(req.Bucket) {
		// S3 virtual-hosted addressing: the bucket moves into the host.
		host = req.Bucket + "." + host
		path = strings.TrimSuffix(u.Path, "/") + strings.TrimPrefix(req.Path, "/"+req.Bucket)
		if path == "" || path[0] != '/' {
			path = "/" + path
		}
	}
	if req.HostPrefix != "" && !custom {
		host = req.HostPrefix + host
	}
	full := u.Scheme + "://" + host + path
	if req.RawQuery != "" {
		full += "?" + req.RawQuery
	}
	var client interface {
		Do(*http.Request) (*http.Response, error)
	} = base.HTTPClient
	if inv.opts.HTTPClient != nil {
		client = inv.opts.HTTPClient
	}
	if client == nil {
		client = http.DefaultClient
	}
	for attempt := 1; ; attempt++ {
		res, err := inv.attempt(ctx, client, creds, svc, op, region, req, full, path)
		if attempt >= inv.opts.MaxAttempts || !retryable(ctx, err) {
			return res, err
		}
		// The SDKs' standard back-off: a random part of 2^attempt seconds,
		// at most 20s.
		d := time.Duration(mrand.Float64() * float64(min(time.Second<<attempt, 20*time.Second)))
		if err := inv.opts.Sleep(ctx, d); err != nil {
			return res, err
		}
	}
}

// attempt signs and sends one request and decodes its response.
func (inv *Invoker) attempt(ctx context.Context, client interface {
	Do(*http.Request) (*http.Response, error)
}, creds sdkaws.CredentialsProvider, svc *model.Service, op, region string, req *wire.Request, full, path string) (callResult, error) {
	hreq, err := http.NewRequestWithContext(ctx, req.Method, full, bytes.NewReader(req.Body))
	if err != nil {
		return callResult{}, fault.New(fault.Runtime, fmt.Sprintf("building the %s request: %v", svc.Name, err))
	}
	hreq.URL.RawPath = path
	hreq.Header = req.Header.Clone()
	hreq.ContentLength = int64(len(req.Body))
	if req.ChecksumRequired && hreq.Header.Get("Content-Md5") == "" {
		md := md5.Sum(req.Body)
		hreq.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(md[:]))
	}
	sum := sha256.Sum256(req.Body)
	hash := hex.EncodeToString(sum[:])
	if svc.SigningName == "s3" {
		hreq.Header.Set("X-Amz-Content-Sha256", hash)
	}
	if creds != nil {
		c, err := creds.Retrieve(ctx)
		if err != nil {
			return callResult{}, fmt.Errorf("retrieving AWS credentials: %w", err)
		}
		if err := inv.signer.SignHTTP(ctx, c, hreq, hash, svc.SigningName, signingRegion(svc, region), time.Now().UTC(), func(o *v4.SignerOptions) {
			// S3 signs the path as sent, not escaped a second time.
			o.DisableURIPathEscaping = svc.SigningName == "s3"
		}); err != nil {
			return callResult{}, fmt.Errorf("signing the request: %w", err)
		}
	}
	resp, err := client.Do(hreq)
	if err != nil {
		return callResult{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return callResult{}, err
	}
	wr := &wire.Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
	out, err := wire.Decode(svc, op, wr)
	if err != nil {
		var ae *wire.APIError
		if errors.As(err, &ae) {
			return callResult{resp: wr}, ae
		}
		return callResult{resp: wr}, fmt.Errorf("reading the %s response: %w", svc.Name, err)
	}
	return callResult{out: out, resp: wr}, nil
}

// throttles are the error codes the SDKs retry as throttling.
var throttles = map[string]bool{
	"Throttling": true, "ThrottlingException": true, "ThrottledException": true, "RequestThrottledException": true,
	"TooManyRequestsException": true, "ProvisionedThroughputExceededException": true, "TransactionInProgressException": true,
	"RequestLimitExceeded": true, "BandwidthLimitExceeded": true, "LimitExceededException": true, "RequestThrottled": true,
	"SlowDown": true, "PriorRequestNotComplete": true, "EC2ThrottledException": true,
	"RequestTimeout": true, "RequestTimeoutException": true,
}

// retryable reports whether an attempt's error is one the SDKs retry:
// a connection error, a 500, 502, 503 or 504, or throttling.
func retryable(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	var fe *fault.Error
	if errors.As(err, &fe) {
		return false
	}
	var ae *wire.APIError
	if !errors.As(err, &ae) {
		var ne net.Error
		return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
	}
	switch ae.Status {
	case 500, 502, 503, 504:
		return true
	}
	return throttles[ae.Code]
}

// globalEndpoints are the services with one endpoint for all regions of
// the aws partition, and the region they are signed for.
var globalEndpoints = map[string]string{
	"iam":           "https://iam.amazonaws.com",
	"cloudfront":    "https://cloudfront.amazonaws.com",
	"route53":       "https://route53.amazonaws.com",
	"organizations": "https://organizations.us-east-1.amazonaws.com",
	"waf":           "https://waf.amazonaws.com",
	"shield":        "https://shield.us-east-1.amazonaws.com",
}

func signingRegion(svc *model.Service, region string) string {
	if _, ok := globalEndpoints[svc.Name]; ok {
		return "us-east-1"
	}
	return region
}

// endpoint resolves the endpoint of a service: Options.Endpoints, then the
// SDK configuration (AWS_ENDPOINT_URL_<SERVICE>, the shared config's
// services section, AWS_ENDPOINT_URL), then AWS's regional endpoint.
// custom reports an endpoint that was configured rather than derived.
func (inv *Invoker) endpoint(ctx context.Context, base sdkaws.Config, svc *model.Service, arnName, region string) (string, bool) {
	for _, k := range []string{arnName, svc.Name, svc.EndpointPrefix} {
		if ep := inv.opts.Endpoints[k]; ep != "" {
			return ep, true
		}
	}
	type serviceEndpoints interface {
		GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
	}
	type ignoreEndpoints interface {
		GetIgnoreConfiguredEndpoints(ctx context.Context) (bool, bool, error)
	}
	ignore := false
	for _, src := range base.ConfigSources {
		if g, ok := src.(ignoreEndpoints); ok {
			if v, found, err := g.GetIgnoreConfiguredEndpoints(ctx); err == nil && found {
				ignore = v
				break
			}
		}
	}
	if !ignore {
		for _, src := range base.ConfigSources {
			if g, ok := src.(serviceEndpoints); ok {
				if ep, found, err := g.GetServiceBaseEndpoint(ctx, svc.SDKID); err == nil && found && ep != "" {
					return ep, true
				}
			}
		}
		if base.BaseEndpoint != nil && *base.BaseEndpoint != "" {
			return *base.BaseEndpoint, true
		}
	}
	if ep, ok := globalEndpoints[svc.Name]; ok && !strings.HasPrefix(region, "cn-") && !strings.HasPrefix(region, "us-gov-") {
		return ep, false
	}
	suffix := "amazonaws.com"
	if strings.HasPrefix(region, "cn-") {
		suffix = "amazonaws.com.cn"
	}
	return "https://" + svc.EndpointPrefix + "." + region + "." + suffix, false
}

// dnsCompatible reports whether an S3 bucket name can be a host label.
func dnsCompatible(b string) bool {
	if len(b) < 3 || len(b) > 63 || strings.Contains(b, "..") {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// noCredentials is the failure of a task that found no AWS credentials: a
// configuration problem of this machine, not the task's, so States.Runtime
// (no Catch takes it), saying how to mock the state or give credentials.
func noCredentials(t *integrations.Task, err error) error {
	return fault.New(fault.Runtime, fmt.Sprintf("no AWS credentials to call %s for the state %q: mock the state (a MockConfigFile test case: "+
		"stepwise run --mocks FILE --test-case NAME, or stepwisetest.MockCase), or configure credentials as for the AWS CLI "+
		"(AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; the EC2 instance metadata service is used only "+
		"with AWS_EC2_METADATA_DISABLED=false) (%v)", t.Resource, t.StateName, err))
}
