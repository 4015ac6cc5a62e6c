package sim

// eventQueue is a binary min-heap of events ordered by (t, seq).
type eventQueue struct{ h []event }

func (q *eventQueue) len() int   { return len(q.h) }
func (q *eventQueue) min() event { return q.h[0] }

func less(a, b event) bool { return a.t < b.t || (a.t == b.t && a.seq < b.seq) }

func (q *eventQueue) push(e event) {
	q.h = append(q.h, e)
	i := len(q.h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !less(q.h[i], q.h[parent]) {
			break
		}
		q.h[i], q.h[parent] = q.h[parent], q.h[i]
		i = parent
	}
}

func (q *eventQueue) pop() event {
	top := q.h[0]
	last := len(q.h) - 1
	q.h[0] = q.h[last]
	q.h[last] = event{}
	q.h = q.h[:last]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(q.h) && less(q.h[l], q.h[m]) {
			m = l
		}
		if r < len(q.h) && less(q.h[r], q.h[m]) {
			m = r
		}
		if m == i {
			break
		}
		q.h[i], q.h[m] = q.h[m], q.h[i]
		i = m
	}
	return top
}
