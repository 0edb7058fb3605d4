package bench_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"sync"
)

// auditCounts are the requests of one user, from the API server's audit log.
type auditCounts struct {
	Writes    int            // create, update, patch, delete of anything but Events
	Events    int            // Event writes, reported apart from the floor
	Reads     int            // get and list
	Conflicts int            // writes answered 409 Conflict
	ByTarget  map[string]int // writes per resource[/subresource] verb
	// ConflictsOn counts the 409s per resource[/subresource] verb.
	ConflictsOn map[string]int
}

func (a auditCounts) minus(b auditCounts) auditCounts {
	d := auditCounts{Writes: a.Writes - b.Writes, Events: a.Events - b.Events, Reads: a.Reads - b.Reads,
		Conflicts: a.Conflicts - b.Conflicts, ByTarget: diff(a.ByTarget, b.ByTarget), ConflictsOn: diff(a.ConflictsOn, b.ConflictsOn)}
	return d
}

func diff(a, b map[string]int) map[string]int {
	d := map[string]int{}
	for k, v := range a {
		if n := v - b[k]; n != 0 {
			d[k] = n
		}
	}
	return d
}

// auditLog reads the API server's audit log incrementally and keeps running
// counts per user.
type auditLog struct {
	mu     sync.Mutex
	path   string
	offset int64
	counts map[string]auditCounts
}

func newAuditLog(path string) *auditLog {
	return &auditLog{path: path, counts: map[string]auditCounts{}}
}

// auditEvent is the part of an audit.k8s.io/v1 Event the counts need.
type auditEvent struct {
	Verb string `json:"verb"`
	User struct {
		Username string `json:"username"`
	} `json:"user"`
	ObjectRef struct {
		Resource    string `json:"resource"`
		Subresource string `json:"subresource"`
	} `json:"objectRef"`
	ResponseStatus struct {
		Code int `json:"code"`
	} `json:"responseStatus"`
}

// snapshot reads what the API server appended since the last call and
// returns the counts of user so far.
func (l *auditLog) snapshot(user string) (auditCounts, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.readNew(); err != nil {
		return auditCounts{}, err
	}
	c := l.counts[user]
	c.ByTarget, c.ConflictsOn = maps.Clone(c.ByTarget), maps.Clone(c.ConflictsOn)
	return c, nil
}

func (l *auditLog) readNew() error {
	f, err := os.Open(l.path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	if _, err := f.Seek(l.offset, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReaderSize(f, 1<<20)
	for {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			return nil // a partial last line is read again next time
		}
		if err != nil {
			return err
		}
		l.offset += int64(len(line))
		var ev auditEvent
		if err := json.Unmarshal(line, &ev); err != nil {
			return fmt.Errorf("audit log %s at byte %d: %w", l.path, l.offset, err)
		}
		l.count(ev)
	}
}

func (l *auditLog) count(ev auditEvent) {
	c := l.counts[ev.User.Username]
	if c.ByTarget == nil {
		c.ByTarget, c.ConflictsOn = map[string]int{}, map[string]int{}
	}
	switch ev.Verb {
	case "get", "list":
		c.Reads++
	case "create", "update", "patch", "delete":
		target := ev.ObjectRef.Resource
		if ev.ObjectRef.Subresource != "" {
			target += "/" + ev.ObjectRef.Subresource
		}
		if ev.ObjectRef.Resource == "events" {
			c.Events++
		} else {
			c.Writes++
			c.ByTarget[target+" "+ev.Verb]++
		}
		if ev.ResponseStatus.Code == 409 {
			c.Conflicts++
			c.ConflictsOn[target+" "+ev.Verb]++
		}
	}
	l.counts[ev.User.Username] = c
}
