package aws

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations"
)

// Connection is the authorization of an EventBridge connection, as
// EventBridge's CreateConnection takes it: a connections file is a JSON
// object of these by connection ARN, for example
//
//	{"arn:aws:events:us-east-1:111111111111:connection/api/0f1e": {
//	  "AuthorizationType": "API_KEY",
//	  "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "s3cr3t"}}}}
//
// AuthorizationType is API_KEY, BASIC or OAUTH_CLIENT_CREDENTIALS.
type Connection struct {
	AuthorizationType string         `json:"AuthorizationType"`
	AuthParameters    ConnectionAuth `json:"AuthParameters"`
}

// ConnectionAuth holds one kind of authorization and the parameters added
// to every request.
type ConnectionAuth struct {
	APIKeyAuthParameters *struct {
		APIKeyName  string `json:"ApiKeyName"`
		APIKeyValue string `json:"ApiKeyValue"`
	} `json:"ApiKeyAuthParameters,omitempty"`
	BasicAuthParameters *struct {
		Username string `json:"Username"`
		Password string `json:"Password"`
	} `json:"BasicAuthParameters,omitempty"`
	OAuthParameters *struct {
		AuthorizationEndpoint string `json:"AuthorizationEndpoint"`
		HTTPMethod            string `json:"HttpMethod"`
		ClientParameters      struct {
			ClientID     string `json:"ClientID"`
			ClientSecret string `json:"ClientSecret"`
		} `json:"ClientParameters"`
		OAuthHTTPParameters *HTTPParameters `json:"OAuthHttpParameters,omitempty"`
	} `json:"OAuthParameters,omitempty"`
	InvocationHTTPParameters *HTTPParameters `json:"InvocationHttpParameters,omitempty"`
}

// HTTPParameters are extra header, query string and body parameters.
type HTTPParameters struct {
	HeaderParameters      []KeyValue `json:"HeaderParameters,omitempty"`
	QueryStringParameters []KeyValue `json:"QueryStringParameters,omitempty"`
	BodyParameters        []KeyValue `json:"BodyParameters,omitempty"`
}

// KeyValue is one parameter.
type KeyValue struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// LoadConnections reads a connections file.
func LoadConnections(path string) (map[string]Connection, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the connections file: %w", err)
	}
	var out map[string]Connection
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("connections file %s: %w", path, err)
	}
	for arn, c := range out {
		switch c.AuthorizationType {
		case "API_KEY", "BASIC", "OAUTH_CLIENT_CREDENTIALS":
		default:
			return nil, fmt.Errorf("connections file %s: connection %s: AuthorizationType %q is not API_KEY, BASIC or OAUTH_CLIENT_CREDENTIALS", path, arn, c.AuthorizationType)
		}
	}
	return out, nil
}

// tokens caches OAuth access tokens by connection ARN.
type tokens struct {
	mu  sync.Mutex
	got map[string]token
}

type token struct {
	value   string
	expires time.Time
}

// invokeHTTP runs arn:aws:states:::http:invoke: an HTTPS call authorized
// through an EventBridge connection. The result is the response's
// Headers, ResponseBody (its JSON value, else its text), StatusCode and
// StatusText; a status of 400 or more fails the task with
// States.Http.StatusCode.<code>.
func invokeHTTP(ctx context.Context, inv *Invoker, t *integrations.Task, r resource) (any, error) {
	in, ok := t.Input.(*value.Object)
	if !ok {
		return nil, fault.New(fault.Runtime, "the parameters of http:invoke must be an object")
	}
	endpoint := lookupString(in, "ApiEndpoint")
	method := strings.ToUpper(lookupString(in, "Method"))
	connARN := lookupString(in, "Authentication", "ConnectionArn")
	if endpoint == "" || method == "" || connARN == "" {
		return nil, fault.New(fault.Runtime, fmt.Sprintf("http:invoke in state %q needs ApiEndpoint, Method and Authentication.ConnectionArn", t.StateName))
	}
	for i := 0; i < in.Len(); i++ {
		k, _ := in.At(i)
		switch k {
		case "ApiEndpoint", "Method", "Authentication", "Headers", "QueryParameters", "RequestBody", "Transform":
		default:
			return nil, fault.New(fault.Runtime, fmt.Sprintf("http:invoke in state %q: the field %q is not supported", t.StateName, k))
		}
	}
	conns, err := inv.connections()
	if err != nil {
		return nil, fault.New(fault.Runtime, err.Error())
	}
	conn, ok := conns[connARN]
	if !ok {
		return nil, fault.New(fault.Runtime, fmt.Sprintf("http:invoke in state %q: the connection %s is not in the connections file (Options.ConnectionsFile, STEPWISE_CONNECTIONS for the stepwise command); add its AuthorizationType and AuthParameters there", t.StateName, connARN))
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return nil, fault.New(fault.Runtime, fmt.Sprintf("http:invoke in state %q: invalid ApiEndpoint %q", t.StateName, endpoint))
	}
	q := u.Query()
	if qp, ok := member(in, "QueryParameters").(*value.Object); ok {
		for i := 0; i < qp.Len(); i++ {
			k, v := qp.At(i)
			q.Set(k, textOf(v))
		}
	}
	header := http.Header{}
	if hp, ok := member(in, "Headers").(*value.Object); ok {
		for i := 0; i < hp.Len(); i++ {
			k, v := hp.At(i)
			header.Set(k, textOf(v))
		}
	}
	var body []byte
	if rb, ok := in.Get("RequestBody"); ok {
		encoding := lookupString(in, "Transform", "RequestBodyEncoding")
		if encoding == "URL_ENCODED" {
			form, err := urlEncode(rb, lookupString(in, "Transform", "RequestEncodingOptions", "ArrayFormat"))
			if err != nil {
				return nil, fault.New(fault.Runtime, fmt.Sprintf("http:invoke in state %q: %v", t.StateName, err))
			}
			body = []byte(form)
			header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			body = []byte(textOf(rb))
			if header.Get("Content-Type") == "" {
				header.Set("Content-Type", "application/json; charset=UTF-8")
			}
		}
	}
	public := *u
	public.RawQuery = q.Encode()
	x := integrations.HTTPExchange{Method: method, PublicURL: public.String(), PublicHeader: header.Clone(), PublicBody: body}
	if err := inv.authorize(ctx, connARN, conn, header, q, &body); err != nil {
		return nil, err
	}
	u.RawQuery = q.Encode()
	x.URL, x.Header, x.Body = u.String(), header.Clone(), body
	resp, respBody, err := inv.send(ctx, method, u.String(), header, body)
	if err != nil {
		integrations.TraceHTTP(ctx, x)
		return nil, fault.New("States.Http.Socket", err.Error())
	}
	x.StatusCode, x.ResponseHeader, x.ResponseBody = resp.StatusCode, resp.Header, respBody
	integrations.TraceHTTP(ctx, x)
	out := httpResult(resp, respBody, false)
	if resp.StatusCode >= 400 {
		return nil, fault.New("States.Http.StatusCode."+strconv.Itoa(resp.StatusCode), value.EncodeString(out))
	}
	return out, nil
}

// invokeAPIGateway runs arn:aws:states:::apigateway:invoke: a call of an
// API Gateway endpoint (https://ApiEndpoint/Stage/Path), signed for
// execute-api when AuthType is IAM_ROLE. A status of 400 or more fails
// the task with ApiGateway.<status> and the response body as the cause.
// An ApiEndpoint with a scheme (http://127.0.0.1:8080) is called as it is,
// for local servers.
func invokeAPIGateway(ctx context.Context, inv *Invoker, t *integrations.Task, r resource) (any, error) {
	in, ok := t.Input.(*value.Object)
	if !ok {
		return nil, fault.New(fault.Runtime, "the parameters of apigateway:invoke must be an object")
	}
	for i := 0; i < in.Len(); i++ {
		k, _ := in.At(i)
		switch k {
		case "ApiEndpoint", "Method", "Headers", "Stage", "Path", "QueryParameters", "RequestBody", "AllowNullValues", "AuthType", "TaskToken":
		default:
			return nil, fault.New(fault.Runtime, fmt.Sprintf("apigateway:invoke in state %q: the field %q is not supported", t.StateName, k))
		}
	}
	endpoint := lookupString(in, "ApiEndpoint")
	method := strings.ToUpper(lookupString(in, "Method"))
	if endpoint == "" || method == "" {
		return nil, fault.New(fault.Runtime, fmt.Sprintf("apigateway:invoke in state %q needs ApiEndpoint and Method", t.StateName))
	}
	if !strings.Contains(endpoint, "://") {
		endpoint = "https://" + endpoint
	}
	path := ""
	for _, p := range []string{lookupString(in, "Stage"), lookupString(in, "Path")} {
		if p = strings.Trim(p, "/"); p != "" {
			path += "/" + p
		}
	}
	full := strings.TrimSuffix(endpoint, "/") + path
	q := url.Values{}
	if qp, ok := member(in, "QueryParameters").(*value.Object); ok {
		for i := 0; i < qp.Len(); i++ {
			k, v := qp.At(i)
			for _, s := range listOf(v) {
				q.Add(k, s)
			}
		}
	}
	if len(q) > 0 {
		full += "?" + q.Encode()
	}
	header := http.Header{}
	if hp, ok := member(in, "Headers").(*value.Object); ok {
		for i := 0; i < hp.Len(); i++ {
			k, v := hp.At(i)
			for _, s := range listOf(v) {
				header.Add(k, s)
			}
		}
	}
	var body []byte
	if rb, ok := in.Get("RequestBody"); ok {
		body = []byte(textOf(rb))
		if header.Get("Content-Type") == "" {
			header.Set("Content-Type", "application/json")
		}
	}
	hreq, err := http.NewRequestWithContext(ctx, method, full, bytes.NewReader(body))
	if err != nil {
		return nil, fault.New(fault.Runtime, fmt.Sprintf("apigateway:invoke in state %q: %v", t.StateName, err))
	}
	hreq.Header = header
	switch auth := lookupString(in, "AuthType"); auth {
	case "", "NO_AUTH":
	case "IAM_ROLE", "RESOURCE_POLICY":
		if err := inv.signExecuteAPI(ctx, t, r, hreq, body); err != nil {
			return nil, err
		}
	default:
		return nil, fault.New(fault.Runtime, fmt.Sprintf("apigateway:invoke in state %q: AuthType %q is not NO_AUTH, IAM_ROLE or RESOURCE_POLICY", t.StateName, auth))
	}
	resp, respBody, err := inv.do(ctx, hreq)
	if err != nil {
		return nil, fault.New("ApiGateway.SdkClientException", "Unable to execute HTTP request: "+err.Error())
	}
	if resp.StatusCode >= 400 {
		return nil, fault.New("ApiGateway."+strconv.Itoa(resp.StatusCode), string(respBody))
	}
	if r.pattern == "waitForTaskToken" {
		return integrations.Pending{}, nil
	}
	return httpResult(resp, respBody, true), nil
}

// signExecuteAPI signs an API Gateway request for execute-api in the
// endpoint's region (abc.execute-api.REGION.amazonaws.com), else the task's.
func (inv *Invoker) signExecuteAPI(ctx context.Context, t *integrations.Task, r resource, req *http.Request, body []byte) error {
	base, err := inv.config(ctx)
	if err != nil {
		return err
	}
	region := inv.region(base, t, r)
	if parts := strings.Split(req.URL.Hostname(), "."); len(parts) >= 4 && parts[1] == "execute-api" {
		region = parts[2]
	}
	creds, err := inv.credentials(ctx, t, base, region)
	if err != nil {
		return err
	}
	if creds == nil {
		return fault.New(fault.Runtime, "apigateway:invoke with IAM_ROLE needs AWS credentials")
	}
	c, err := creds.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("retrieving AWS credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	return inv.signer.SignHTTP(ctx, c, req, hex.EncodeToString(sum[:]), "execute-api", region, time.Now().UTC())
}

// httpResult is the result of an HTTP call: Headers (lists of values,
// names in lower case), ResponseBody, StatusCode and StatusText.
// apigateway:invoke's StatusCode is a number, http:invoke's a string.
func httpResult(resp *http.Response, body []byte, numericStatus bool) *value.Object {
	names := make([]string, 0, len(resp.Header))
	for k := range resp.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	headers := value.NewObject(len(names))
	for _, k := range names {
		vals := make([]any, len(resp.Header[k]))
		for i, v := range resp.Header[k] {
			vals[i] = v
		}
		headers.Append(strings.ToLower(k), vals)
	}
	out := value.NewObject(4)
	out.Append("Headers", headers)
	out.Append("ResponseBody", payloadValue(string(body)))
	if numericStatus {
		out.Append("StatusCode", int64(resp.StatusCode))
	} else {
		out.Append("StatusCode", strconv.Itoa(resp.StatusCode))
	}
	out.Append("StatusText", http.StatusText(resp.StatusCode))
	return out
}

// authorize adds a connection's authorization and invocation parameters.
func (inv *Invoker) authorize(ctx context.Context, arn string, c Connection, h http.Header, q url.Values, body *[]byte) error {
	p := c.AuthParameters
	switch c.AuthorizationType {
	case "API_KEY":
		if p.APIKeyAuthParameters == nil {
			return fault.New(fault.Runtime, "connection "+arn+" has no ApiKeyAuthParameters")
		}
		h.Set(p.APIKeyAuthParameters.APIKeyName, p.APIKeyAuthParameters.APIKeyValue)
	case "BASIC":
		if p.BasicAuthParameters == nil {
			return fault.New(fault.Runtime, "connection "+arn+" has no BasicAuthParameters")
		}
		r := http.Request{Header: h}
		r.SetBasicAuth(p.BasicAuthParameters.Username, p.BasicAuthParameters.Password)
	case "OAUTH_CLIENT_CREDENTIALS":
		tok, err := inv.oauthToken(ctx, arn, c)
		if err != nil {
			return err
		}
		h.Set("Authorization", "Bearer "+tok)
	}
	if ip := p.InvocationHTTPParameters; ip != nil {
		for _, kv := range ip.HeaderParameters {
			h.Set(kv.Key, kv.Value)
		}
		for _, kv := range ip.QueryStringParameters {
			q.Set(kv.Key, kv.Value)
		}
		if len(ip.BodyParameters) > 0 {
			merged, err := mergeBody(*body, ip.BodyParameters)
			if err != nil {
				return fault.New(fault.Runtime, err.Error())
			}
			*body = merged
		}
	}
	return nil
}

// oauthToken gets (and caches until it expires) the connection's access
// token with the client credentials grant.
func (inv *Invoker) oauthToken(ctx context.Context, arn string, c Connection) (string, error) {
	o := c.AuthParameters.OAuthParameters
	if o == nil {
		return "", fault.New(fault.Runtime, "connection "+arn+" has no OAuthParameters")
	}
	inv.oauth.mu.Lock()
	defer inv.oauth.mu.Unlock()
	if tok, ok := inv.oauth.got[arn]; ok && time.Now().Before(tok.expires) {
		return tok.value, nil
	}
	u, err := url.Parse(o.AuthorizationEndpoint)
	if err != nil || u.Host == "" {
		return "", fault.New(fault.Runtime, fmt.Sprintf("connection %s: invalid AuthorizationEndpoint %q", arn, o.AuthorizationEndpoint))
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	h := http.Header{}
	q := u.Query()
	if hp := o.OAuthHTTPParameters; hp != nil {
		for _, kv := range hp.HeaderParameters {
			h.Set(kv.Key, kv.Value)
		}
		for _, kv := range hp.QueryStringParameters {
			q.Set(kv.Key, kv.Value)
		}
		for _, kv := range hp.BodyParameters {
			form.Set(kv.Key, kv.Value)
		}
	}
	u.RawQuery = q.Encode()
	method := strings.ToUpper(o.HTTPMethod)
	if method == "" {
		method = "POST"
	}
	var body []byte
	if method == "GET" {
		for k, vs := range form {
			for _, v := range vs {
				q.Add(k, v)
			}
		}
		u.RawQuery = q.Encode()
	} else {
		body = []byte(form.Encode())
		h.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	r := http.Request{Header: h}
	r.SetBasicAuth(o.ClientParameters.ClientID, o.ClientParameters.ClientSecret)
	resp, respBody, err := inv.send(ctx, method, u.String(), h, body)
	if err != nil {
		return "", fault.New("States.Http.Socket", "the OAuth token request failed: "+err.Error())
	}
	if resp.StatusCode >= 400 {
		return "", fault.New("States.Http.StatusCode."+strconv.Itoa(resp.StatusCode), "the OAuth token request failed: "+string(respBody))
	}
	var tr struct {
		AccessToken string  `json:"access_token"`
		ExpiresIn   float64 `json:"expires_in"`
	}
	if err := json.Unmarshal(respBody, &tr); err != nil || tr.AccessToken == "" {
		return "", fault.New(fault.TaskFailed, "the OAuth token response has no access_token: "+string(respBody))
	}
	life := time.Duration(tr.ExpiresIn) * time.Second
	if life <= 0 {
		life = time.Hour
	}
	if inv.oauth.got == nil {
		inv.oauth.got = map[string]token{}
	}
	inv.oauth.got[arn] = token{tr.AccessToken, time.Now().Add(life - life/10)}
	return tr.AccessToken, nil
}

// send makes one HTTP request with the invoker's client.
func (inv *Invoker) send(ctx context.Context, method, u string, h http.Header, body []byte) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header = h
	return inv.do(ctx, req)
}

func (inv *Invoker) do(ctx context.Context, req *http.Request) (*http.Response, []byte, error) {
	client := inv.opts.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	return resp, b, err
}

// connections loads the connections file once.
func (inv *Invoker) connections() (map[string]Connection, error) {
	inv.connOnce.Do(func() {
		if inv.opts.Connections != nil {
			inv.conns = inv.opts.Connections
			return
		}
		if inv.opts.ConnectionsFile == "" {
			inv.connErr = fmt.Errorf("http:invoke needs the connection's authorization: give a connections file (Options.ConnectionsFile; STEPWISE_CONNECTIONS for the stepwise command)")
			return
		}
		inv.conns, inv.connErr = LoadConnections(inv.opts.ConnectionsFile)
	})
	return inv.conns, inv.connErr
}

// textOf is a parameter as text: a string as it is, anything else as JSON.
func textOf(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return value.EncodeString(v)
}

// listOf is a header or query parameter's values: a list, or one value.
func listOf(v any) []string {
	if a, ok := v.([]any); ok {
		out := make([]string, len(a))
		for i, e := range a {
			out[i] = textOf(e)
		}
		return out
	}
	return []string{textOf(v)}
}

// urlEncode writes a request body object as a form, arrays in the given
// format (INDICES, REPEAT, COMMAS or BRACKETS; INDICES by default).
func urlEncode(v any, arrayFormat string) (string, error) {
	o, ok := v.(*value.Object)
	if !ok {
		return "", fmt.Errorf("a URL_ENCODED RequestBody must be an object")
	}
	var parts []string
	add := func(k, v string) { parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(v)) }
	for i := 0; i < o.Len(); i++ {
		k, e := o.At(i)
		a, isList := e.([]any)
		if !isList {
			add(k, textOf(e))
			continue
		}
		switch arrayFormat {
		case "REPEAT":
			for _, x := range a {
				add(k, textOf(x))
			}
		case "COMMAS":
			s := make([]string, len(a))
			for j, x := range a {
				s[j] = textOf(x)
			}
			add(k, strings.Join(s, ","))
		case "BRACKETS":
			for _, x := range a {
				add(k+"[]", textOf(x))
			}
		case "", "INDICES":
			for j, x := range a {
				add(k+"["+strconv.Itoa(j)+"]", textOf(x))
			}
		default:
			return "", fmt.Errorf("ArrayFormat %q is not INDICES, REPEAT, COMMAS or BRACKETS", arrayFormat)
		}
	}
	return strings.Join(parts, "&"), nil
}

// mergeBody adds a connection's body parameters to a JSON object body.
func mergeBody(body []byte, params []KeyValue) ([]byte, error) {
	o := value.NewObject(len(params))
	if len(bytes.TrimSpace(body)) > 0 {
		v, err := value.Decode(body)
		if err != nil {
			return nil, fmt.Errorf("the connection's body parameters need a JSON object body: %v", err)
		}
		obj, ok := v.(*value.Object)
		if !ok {
			return nil, fmt.Errorf("the connection's body parameters need a JSON object body")
		}
		o = obj.ShallowCopy()
	}
	for _, kv := range params {
		o.Set(kv.Key, kv.Value)
	}
	return value.Encode(o), nil
}
