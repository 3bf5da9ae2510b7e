package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// Metrics are the Prometheus series of one server, in a registry of its
// own (not the global one), so that several servers in one process (tests)
// do not collide.
type Metrics struct {
	reg          *prometheus.Registry
	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	inFlight     prometheus.Gauge
	ldapOps      *prometheus.CounterVec
	ldapErrors   *prometheus.CounterVec
	ldapDuration *prometheus.HistogramVec
	unmapped     *prometheus.CounterVec
	bases        []string // SCIM base paths, longest first, for endpoint labels

	// unmappedPaths bounds the path label: paths come from clients.
	mu            sync.Mutex
	unmappedPaths map[string]bool
	unmappedSeen  map[[2]string]*UnmappedSeen // for the status page (status.go)
}

// maxUnmappedPaths is how many distinct paths get a series of their own;
// later ones are counted as "other".
const maxUnmappedPaths = 200

// NewMetrics labels requests by the given SCIM base paths.
func NewMetrics(bases []string) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scim2ldap_http_requests_total",
			Help: "HTTP requests answered, by endpoint (path with ids replaced by {id}), method and status.",
		}, []string{"endpoint", "method", "status"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "scim2ldap_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by endpoint, method and status.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"endpoint", "method", "status"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "scim2ldap_http_requests_in_flight",
			Help: "HTTP requests being answered.",
		}),
		ldapOps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scim2ldap_ldap_operations_total",
			Help: "LDAP operations sent (search, add, modify, rename, delete, password modify, ping, connect), and the pool's failover and failback events, by operation.",
		}, []string{"op"}),
		ldapErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scim2ldap_ldap_errors_total",
			Help: `LDAP operations that failed, by operation and reason: the LDAP result code ("32", "49", …), "unavailable" (network, timeout, server down) or "other".`,
		}, []string{"op", "reason"}),
		ldapDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "scim2ldap_ldap_operation_duration_seconds",
			Help:    "Time an LDAP operation took, including waiting for a pooled connection, by operation.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"op"}),
		unmapped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scim2ldap_unmapped_attributes_total",
			Help: "Attributes in SCIM writes that no mapping entry stores, by resource type and attribute path (see server.unmappedAttributes).",
		}, []string{"resource", "path"}),
		unmappedPaths: map[string]bool{},
		unmappedSeen:  map[[2]string]*UnmappedSeen{},
	}
	m.reg.MustRegister(m.httpRequests, m.httpDuration, m.inFlight, m.ldapOps, m.ldapErrors, m.ldapDuration, m.unmapped,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		// go_build_info{version=…}: which build a scraped instance runs.
		collectors.NewBuildInfoCollector())
	for _, b := range bases {
		if b != "/" {
			m.bases = append(m.bases, b)
		}
	}
	// Longest first: /scim/v2 must win over /scim.
	slices.SortFunc(m.bases, func(a, b string) int { return len(b) - len(a) })
	return m
}

// ObserveLDAP is the ldapstore.Observer.
func (m *Metrics) ObserveLDAP(op string, d time.Duration, err error) {
	m.ldapOps.WithLabelValues(op).Inc()
	m.ldapDuration.WithLabelValues(op).Observe(d.Seconds())
	if err == nil {
		return
	}
	reason := "other"
	switch code := ldapstore.Code(err); {
	case code != 0:
		reason = strconv.Itoa(code)
	case ldapstore.IsUnavailable(err):
		reason = "unavailable"
	}
	m.ldapErrors.WithLabelValues(op, reason).Inc()
}

// WatchActiveURL publishes where new LDAP connections go, as the gauge
// scim2ldap_ldap_active_url_index: alert on > 0 (failed over and not yet
// back, see ldap.failbackAfter).
func (m *Metrics) WatchActiveURL(index func() int) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "scim2ldap_ldap_active_url_index",
		Help: "Position in ldap.urls of the URL new LDAP connections go to: 0 is the first; more means the bridge failed over and has not yet failed back (ldap.failbackAfter).",
	}, func() float64 { return float64(index()) }))
}

// UnmappedAttribute counts one attribute a write carried that no mapping
// entry stores.
func (m *Metrics) UnmappedAttribute(resource, path string) {
	m.mu.Lock()
	if !m.unmappedPaths[path] {
		if len(m.unmappedPaths) >= maxUnmappedPaths {
			path = "other"
		} else {
			m.unmappedPaths[path] = true
		}
	}
	m.seeUnmapped(resource, path)
	m.mu.Unlock()
	m.unmapped.WithLabelValues(resource, path).Inc()
}

// ObserveHTTP counts every request, whatever answers it (handlers, auth,
// echo's error handler): it wraps the request log, which turns errors into
// responses before returning.
func (m *Metrics) ObserveHTTP(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		m.inFlight.Inc()
		defer m.inFlight.Dec()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		r := c.Request()
		status := strconv.Itoa(c.Response().Status)
		endpoint := m.endpoint(r.URL.Path)
		m.httpRequests.WithLabelValues(endpoint, r.Method, status).Inc()
		m.httpDuration.WithLabelValues(endpoint, r.Method, status).Observe(time.Since(start).Seconds())
		return nil
	}
}

// endpoint turns a path into a label of bounded cardinality: the base path
// plus the resource type, with ids replaced by {id}; anything else is
// "other" (scanners must not be able to create series).
func (m *Metrics) endpoint(path string) string {
	switch path {
	case "/healthz", "/readyz", "/metrics":
		return path
	}
	for _, b := range m.bases {
		rest, ok := strings.CutPrefix(path, b)
		if !ok || (rest != "" && rest[0] != '/') {
			continue
		}
		return b + resourceEndpoint(rest)
	}
	return resourceEndpoint(path)
}

var knownEndpoints = map[string]string{
	"users": "/Users", "groups": "/Groups", "serviceproviderconfig": "/ServiceProviderConfig",
	"serviceproviderconfigs": "/ServiceProviderConfigs", "schemas": "/Schemas", "resourcetypes": "/ResourceTypes",
	"bulk": "/Bulk", "me": "/Me", ".search": "/.search",
}

func resourceEndpoint(rest string) string {
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	if rest == "" || rest == "/" {
		return "/"
	}
	first, ok := knownEndpoints[strings.ToLower(parts[0])]
	if !ok || len(parts) > 2 {
		return "other"
	}
	if len(parts) == 2 {
		if strings.EqualFold(parts[1], ".search") {
			return first + "/.search"
		}
		return first + "/{id}"
	}
	return first
}

func (m *Metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
