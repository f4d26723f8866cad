package service

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// buckets of the request-latency histogram, in seconds.
var buckets = []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

// metrics are kept by hand and served in the Prometheus text format.
type metrics struct {
	mu              sync.Mutex
	requests        map[[2]string]int64 // path, code → count
	latency         map[string]*histogram
	lastRefresh     atomic.Int64
	refreshFailures atomic.Int64
	people          atomic.Int64
}

type histogram struct {
	counts []int64 // per bucket, not cumulative
	sum    float64
	n      int64
}

func newMetrics() *metrics {
	return &metrics{requests: map[[2]string]int64{}, latency: map[string]*histogram{}}
}

type recorder struct {
	http.ResponseWriter
	code int
}

func (r *recorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

// instrument counts requests by route and status, and times them.
func (m *metrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		path := r.URL.Path
		switch path {
		case "/v1/transfers/check", "/v1/transfers", "/v1/refresh", "/healthz", "/metrics":
		default:
			path = "other"
		}
		secs := time.Since(start).Seconds()
		m.mu.Lock()
		defer m.mu.Unlock()
		m.requests[[2]string{path, fmt.Sprint(rec.code)}]++
		h := m.latency[path]
		if h == nil {
			h = &histogram{counts: make([]int64, len(buckets))}
			m.latency[path] = h
		}
		for i, b := range buckets {
			if secs <= b {
				h.counts[i]++
				break
			}
		}
		h.sum += secs
		h.n++
	})
}

func (m *metrics) serve(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	m.mu.Lock()
	b.WriteString("# HELP accessrecon_http_requests_total Requests by path and status code.\n# TYPE accessrecon_http_requests_total counter\n")
	keys := make([][2]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1] })
	for _, k := range keys {
		fmt.Fprintf(&b, "accessrecon_http_requests_total{path=%q,code=%q} %d\n", k[0], k[1], m.requests[k])
	}
	b.WriteString("# HELP accessrecon_http_request_duration_seconds Request latency by path.\n# TYPE accessrecon_http_request_duration_seconds histogram\n")
	paths := slices.Sorted(maps.Keys(m.latency))
	for _, p := range paths {
		h := m.latency[p]
		var cum int64
		for i, le := range buckets {
			cum += h.counts[i]
			fmt.Fprintf(&b, "accessrecon_http_request_duration_seconds_bucket{path=%q,le=\"%g\"} %d\n", p, le, cum)
		}
		fmt.Fprintf(&b, "accessrecon_http_request_duration_seconds_bucket{path=%q,le=\"+Inf\"} %d\n", p, h.n)
		fmt.Fprintf(&b, "accessrecon_http_request_duration_seconds_sum{path=%q} %g\naccessrecon_http_request_duration_seconds_count{path=%q} %d\n", p, h.sum, p, h.n)
	}
	m.mu.Unlock()
	fmt.Fprintf(&b, "# HELP accessrecon_last_refresh_timestamp_seconds When the graph was last loaded.\n# TYPE accessrecon_last_refresh_timestamp_seconds gauge\naccessrecon_last_refresh_timestamp_seconds %d\n", m.lastRefresh.Load())
	fmt.Fprintf(&b, "# HELP accessrecon_refresh_failures_total Failed refreshes.\n# TYPE accessrecon_refresh_failures_total counter\naccessrecon_refresh_failures_total %d\n", m.refreshFailures.Load())
	fmt.Fprintf(&b, "# HELP accessrecon_graph_people People in the warm graph.\n# TYPE accessrecon_graph_people gauge\naccessrecon_graph_people %d\n", m.people.Load())
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Write([]byte(b.String()))
}
