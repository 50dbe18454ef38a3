package service

import (
	"context"
	"time"
)

// retentionBatch is how many executions one transaction of a sweep deletes,
// so that a sweep never holds the writer long.
const retentionBatch = 500

// retentionInterval is how often executions past Options.Retention are
// swept when Options.RetentionInterval is 0: a tenth of the retention,
// between a second and an hour.
func retentionInterval(retention time.Duration) time.Duration {
	return min(max(retention/10, time.Second), time.Hour)
}

// keepRetention deletes, every interval until the service shuts down, the
// executions closed longer ago than Options.Retention, with their history.
func (s *Service) keepRetention() {
	interval := s.opts.RetentionInterval
	if interval <= 0 {
		interval = retentionInterval(s.opts.Retention)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.sweep(s.ctx, time.Now().Add(-s.opts.Retention))
		select {
		case <-s.shutdown:
			return
		case <-t.C:
		}
	}
}

// sweep deletes the executions closed before cutoff, a batch at a time.
func (s *Service) sweep(ctx context.Context, cutoff time.Time) {
	total := 0
	for {
		n, err := s.store.DeleteClosedExecutions(ctx, cutoff, retentionBatch)
		total += n
		if err != nil {
			if ctx.Err() == nil {
				s.log.Error("deleting executions past their retention", "error", err)
			}
			return
		}
		if n < retentionBatch {
			break
		}
	}
	if total > 0 {
		s.log.Info("deleted executions past their retention", "count", total, "closed before", cutoff.UTC().Format(time.RFC3339))
	}
}
