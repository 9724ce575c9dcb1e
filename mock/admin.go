package mock

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/conform-kit/conform/clock"
)

// AdminPrefix is the reserved path prefix of the admin API. Neither provider
// has a path under it.
const AdminPrefix = "/_conform/"

// maxAdminBody bounds admin request bodies (small JSON commands).
const maxAdminBody = 64 << 10

func (m *Mock) adminRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /_conform/clock", m.adminClock)
	mux.HandleFunc("POST /_conform/clock/advance", m.adminAdvance)
	mux.HandleFunc("GET /_conform/sessions", func(w http.ResponseWriter, r *http.Request) { adminJSON(w, http.StatusOK, m.Sessions()) })
	mux.HandleFunc("GET /_conform/sessions/{id}", func(w http.ResponseWriter, r *http.Request) {
		v, err := m.Session(r.PathValue("id"))
		adminResult(w, v, err)
	})
	mux.HandleFunc("POST /_conform/sessions/{id}/decision", m.adminDecide)
	mux.HandleFunc("POST /_conform/sessions/{id}/events", m.adminEvent)
	mux.HandleFunc("GET /_conform/deliveries", func(w http.ResponseWriter, r *http.Request) {
		adminJSON(w, http.StatusOK, m.Deliveries(r.URL.Query().Get("subject")))
	})
	mux.HandleFunc("GET /_conform/deliveries/{id}", func(w http.ResponseWriter, r *http.Request) {
		d, ok := m.Delivery(r.PathValue("id"))
		if !ok {
			adminError(w, http.StatusNotFound, fmt.Errorf("no delivery %q", r.PathValue("id")))
			return
		}
		adminJSON(w, http.StatusOK, d)
	})
	mux.HandleFunc("POST /_conform/deliveries/{id}/redeliver", func(w http.ResponseWriter, r *http.Request) {
		_, d, err := m.Redeliver(r.PathValue("id"))
		if err != nil {
			adminError(w, http.StatusNotFound, err)
			return
		}
		adminJSON(w, http.StatusOK, d)
	})
	mux.HandleFunc("GET /_conform/report", func(w http.ResponseWriter, r *http.Request) { adminJSON(w, http.StatusOK, m.ReportDoc()) })
	mux.HandleFunc("GET /_conform/shuftipro/requests", func(w http.ResponseWriter, r *http.Request) {
		adminJSON(w, http.StatusOK, m.ShuftiRequests())
	})
	mux.HandleFunc("POST /_conform/shuftipro/requests", m.adminShuftiCreate)
	mux.HandleFunc("POST /_conform/shuftipro/requests/{reference}/events", m.adminShuftiEvent)
	mux.HandleFunc("/_conform/", func(w http.ResponseWriter, r *http.Request) {
		adminError(w, http.StatusNotFound, fmt.Errorf("no admin operation %s %s (see docs/mock.md)", r.Method, r.URL.Path))
	})
}

// ClockView is the admin API's view of the virtual clock.
type ClockView struct {
	Now      string `json:"now"`
	Start    string `json:"start"`
	Advanced string `json:"advanced"`
	Pending  int    `json:"pendingTimers"`
	Fired    int    `json:"fired,omitempty"`
}

func (m *Mock) clockView() ClockView {
	c := m.clock
	return ClockView{Now: fmtTime(c.Now()), Start: fmtTime(c.Start()), Advanced: c.Advanced().String(), Pending: c.Pending()}
}

func (m *Mock) adminClock(w http.ResponseWriter, r *http.Request) {
	adminJSON(w, http.StatusOK, m.clockView())
}

// maxAdvance bounds one advance: a year is far beyond every promise the
// mock keeps, and a typo ("168000h") should not spin for minutes.
const maxAdvance = 366 * 24 * time.Hour

func (m *Mock) adminAdvance(w http.ResponseWriter, r *http.Request) {
	var req struct {
		By string `json:"by"`
	}
	if !adminDecode(w, r, &req) {
		return
	}
	d, err := clock.ParseDuration(req.By)
	if err != nil {
		adminError(w, http.StatusBadRequest, fmt.Errorf(`"by": %w`, err))
		return
	}
	if d > maxAdvance {
		adminError(w, http.StatusBadRequest, fmt.Errorf(`"by": %s is more than a year; advance in steps`, d))
		return
	}
	fired, err := m.Advance(d)
	if err != nil {
		adminError(w, http.StatusInternalServerError, err)
		return
	}
	v := m.clockView()
	v.Fired = fired
	adminJSON(w, http.StatusOK, v)
}

func (m *Mock) adminDecide(w http.ResponseWriter, r *http.Request) {
	var d Decision
	if !adminDecode(w, r, &d) {
		return
	}
	v, err := m.Decide(r.PathValue("id"), d)
	adminResult(w, v, err)
}

func (m *Mock) adminEvent(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Action string `json:"action"`
	}
	if !adminDecode(w, r, &req) {
		return
	}
	v, err := m.Event(r.PathValue("id"), req.Action)
	adminResult(w, v, err)
}

func (m *Mock) adminShuftiCreate(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Reference   string `json:"reference"`
		CallbackURL string `json:"callback_url"`
	}
	if !adminDecode(w, r, &req) {
		return
	}
	v, err := m.ShuftiCreate(req.Reference, req.CallbackURL)
	if err == nil {
		err = m.Flush()
	}
	adminResult(w, v, err)
}

func (m *Mock) adminShuftiEvent(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Event string `json:"event"`
	}
	if !adminDecode(w, r, &req) {
		return
	}
	v, err := m.ShuftiEvent(r.PathValue("reference"), req.Event)
	if err == nil {
		err = m.Flush()
	}
	adminResult(w, v, err)
}

func adminDecode(w http.ResponseWriter, r *http.Request, v any) bool {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxAdminBody+1))
	if err != nil || len(data) > maxAdminBody {
		adminError(w, http.StatusRequestEntityTooLarge, fmt.Errorf("admin request body missing or larger than %d bytes", maxAdminBody))
		return false
	}
	dec := json.NewDecoder(bytesReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		adminError(w, http.StatusBadRequest, fmt.Errorf("admin request body: %v", err))
		return false
	}
	return true
}

func adminResult(w http.ResponseWriter, v any, err error) {
	switch {
	case err == nil:
		adminJSON(w, http.StatusOK, v)
	case IsNotFound(err):
		adminError(w, http.StatusNotFound, err)
	case IsConflict(err):
		adminError(w, http.StatusConflict, err)
	default:
		adminError(w, http.StatusBadRequest, err)
	}
}

func adminJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

func adminError(w http.ResponseWriter, status int, err error) {
	adminJSON(w, status, struct {
		Error string `json:"error"`
	}{err.Error()})
}
