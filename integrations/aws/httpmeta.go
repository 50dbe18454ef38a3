package aws

import (
	"encoding/base64"
	"net/http"
	"sort"
	"strings"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations/aws/wire"
)

// headerNames spells response headers the way AWS services send them; Go
// canonicalises header names and loses the original spelling.
var headerNames = map[string]string{
	"X-Amzn-Requestid":               "x-amzn-RequestId",
	"X-Amz-Crc32":                    "x-amz-crc32",
	"X-Amzn-Remapped-Content-Length": "x-amzn-Remapped-Content-Length",
	"X-Amzn-Trace-Id":                "X-Amzn-Trace-Id",
	"X-Amz-Executed-Version":         "X-Amz-Executed-Version",
	"X-Amz-Function-Error":           "X-Amz-Function-Error",
	"X-Amz-Log-Result":               "X-Amz-Log-Result",
	"X-Amz-Id-2":                     "x-amz-id-2",
	"X-Amz-Request-Id":               "x-amz-request-id",
}

func headerName(canonical string) string {
	if n, ok := headerNames[canonical]; ok {
		return n
	}
	return canonical
}

// responseMetadata returns the SdkHttpMetadata and SdkResponseMetadata
// members the optimized integrations add to a result (AWS SDK for Java 1.x
// shapes).
func responseMetadata(resp *wire.Response) (httpMeta, respMeta *value.Object) {
	respMeta = value.NewObject(1)
	if resp == nil {
		respMeta.Append("RequestId", "")
		return nil, respMeta
	}
	respMeta.Append("RequestId", wire.RequestID(resp))
	return httpMetadata(resp.Header, resp.Status), respMeta
}

// httpMetadata builds SdkHttpMetadata: AllHttpHeaders is a Java HashMap of
// lists (its iteration order is reproduced), HttpHeaders a case-insensitive
// TreeMap of first values.
func httpMetadata(h http.Header, status int) *value.Object {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	// Insertion order into the HashMap: Go keeps no wire order, so use a
	// fixed one.
	sort.Slice(names, func(i, j int) bool {
		return strings.ToLower(headerName(names[i])) < strings.ToLower(headerName(names[j]))
	})

	all := value.NewObject(len(names))
	for _, k := range javaHashMapOrder(names, headerName) {
		vals := make([]any, len(h[k]))
		for i, v := range h[k] {
			vals[i] = v
		}
		all.Append(headerName(k), vals)
	}
	single := value.NewObject(len(names))
	for _, k := range names { // already case-insensitively sorted
		if len(h[k]) > 0 {
			single.Append(headerName(k), h[k][0])
		}
	}
	o := value.NewObject(3)
	o.Append("AllHttpHeaders", all)
	o.Append("HttpHeaders", single)
	o.Append("HttpStatusCode", int64(status))
	return o
}

// javaHashMapOrder returns keys in the order a java.util.HashMap with the
// default capacity iterates them after inserting them in the given order.
func javaHashMapOrder(keys []string, name func(string) string) []string {
	capacity := 16
	for float64(len(keys)) > 0.75*float64(capacity) {
		capacity *= 2
	}
	buckets := make([][]string, capacity)
	for _, k := range keys {
		var h uint32
		for _, r := range utf16(name(k)) {
			h = 31*h + uint32(r)
		}
		h ^= h >> 16
		i := int(h & uint32(capacity-1))
		buckets[i] = append(buckets[i], k)
	}
	out := make([]string, 0, len(keys))
	for _, b := range buckets {
		out = append(out, b...)
	}
	return out
}

// utf16 returns the UTF-16 code units Java's String.hashCode reads.
func utf16(s string) []uint16 {
	out := make([]uint16, 0, len(s))
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			out = append(out, uint16(0xD800+(r>>10)), uint16(0xDC00+(r&0x3FF)))
			continue
		}
		out = append(out, uint16(r))
	}
	return out
}

func encodeBase64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
