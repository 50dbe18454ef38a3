package service

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine/service/store"
	"github.com/stepwise/stepwise/integrations"
)

// activities holds the tasks of activities waiting for a worker.
type activities struct {
	mu     sync.Mutex
	queues map[string]*activityQueue
}

// activityQueue is one activity's waiting tasks.
type activityQueue struct {
	mu     sync.Mutex
	tasks  []*activityTask
	signal chan struct{} // a task was queued
}

type activityTask struct {
	token  string
	input  string
	stored bool // in the store until handed out (see store.ActivityTask)
}

func (a *activities) queue(arn string) *activityQueue {
	a.mu.Lock()
	defer a.mu.Unlock()
	q := a.queues[arn]
	if q == nil {
		q = &activityQueue{signal: make(chan struct{}, 1)}
		a.queues[arn] = q
	}
	return q
}

func (q *activityQueue) push(t *activityTask) {
	q.mu.Lock()
	q.tasks = append(q.tasks, t)
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// pop takes the oldest task whose token is still live, waiting up to
// timeout for one. Tasks whose token is no longer live are passed to drop.
func (q *activityQueue) pop(ctx context.Context, timeout time.Duration, live func(string) bool, drop func(*activityTask), shutdown <-chan struct{}) *activityTask {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		q.mu.Lock()
		for len(q.tasks) > 0 {
			t := q.tasks[0]
			q.tasks[0] = nil
			q.tasks = q.tasks[1:]
			if live(t.token) {
				more := len(q.tasks) > 0
				q.mu.Unlock()
				if more {
					// Wake another poller for the rest.
					select {
					case q.signal <- struct{}{}:
					default:
					}
				}
				return t
			}
			if drop != nil {
				drop(t)
			}
		}
		q.mu.Unlock()
		select {
		case <-q.signal:
		case <-timer.C:
			return nil
		case <-ctx.Done():
			return nil
		case <-shutdown:
			return nil
		}
	}
}

// forgetActivityTask removes a task handed out or dropped from the store.
func (s *Service) forgetActivityTask(t *activityTask) {
	if t.stored {
		s.store.DeleteActivityTask(t.token)
	}
}

// dispatchActivity queues an activity task for GetActivityTask; the
// execution then waits for its token. A Task on an activity that does not
// exist fails with States.Runtime, as on AWS.
func (s *Service) dispatchActivity(ctx context.Context, r *run, t *integrations.Task) (any, error) {
	if _, err := s.store.GetActivity(ctx, t.Resource); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, fault.New(fault.Runtime, fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). The activity %s does not exist.",
				t.StateName, r.enteredID(t.StateName), t.Resource))
		}
		return nil, err
	}
	s.acts.queue(t.Resource).push(&activityTask{token: t.TaskToken, input: value.EncodeString(t.Input)})
	return integrations.Pending{}, nil
}

type activityIn struct {
	Name        string `json:"name"`
	ActivityArn string `json:"activityArn"`
	WorkerName  string `json:"workerName"`
	Tags        []tag  `json:"tags"`
	// EncryptionConfiguration: only AWS_OWNED_KEY, the default.
	EncryptionConfiguration *encryptionConfiguration `json:"encryptionConfiguration"`
}

type activityOut struct {
	ActivityArn             string                   `json:"activityArn"`
	Name                    string                   `json:"name,omitempty"`
	CreationDate            *epoch                   `json:"creationDate"`
	EncryptionConfiguration *encryptionConfiguration `json:"encryptionConfiguration,omitempty"`
}

func (s *Service) createActivity(ctx context.Context, in *activityIn) (any, error) {
	if err := checkName(in.Name); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if err := in.EncryptionConfiguration.check("activity", in.Name); err != nil {
		return nil, err
	}
	a, err := s.store.CreateActivity(ctx, &store.Activity{Arn: s.activityARN(in.Name), Name: in.Name, Created: time.Now().UTC()})
	if err != nil {
		return nil, err
	}
	if len(in.Tags) > 0 {
		if err := s.store.TagResource(ctx, a.Arn, toStoreTags(in.Tags)); err != nil {
			return nil, err
		}
	}
	return &activityOut{ActivityArn: a.Arn, CreationDate: ts(a.Created)}, nil
}

func (s *Service) getActivity(ctx context.Context, activityArn string) (*store.Activity, error) {
	if _, ok := parseARN(activityArn, arnActivity); !ok {
		return nil, invalidArn(activityArn, arnActivity)
	}
	a, err := s.store.GetActivity(ctx, activityArn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apiErr(errActivityDoesNotExist, "Activity Does Not Exist: '%s'", activityArn)
	}
	return a, err
}

func (s *Service) describeActivity(ctx context.Context, in *activityIn) (any, error) {
	a, err := s.getActivity(ctx, in.ActivityArn)
	if err != nil {
		return nil, err
	}
	return &activityOut{ActivityArn: a.Arn, Name: a.Name, CreationDate: ts(a.Created), EncryptionConfiguration: &awsOwnedKey}, nil
}

func (s *Service) deleteActivity(ctx context.Context, in *activityIn) (any, error) {
	if _, ok := parseARN(in.ActivityArn, arnActivity); !ok {
		return nil, invalidArn(in.ActivityArn, arnActivity)
	}
	if err := s.store.DeleteActivity(ctx, in.ActivityArn); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

type activityItem struct {
	ActivityArn  string `json:"activityArn"`
	Name         string `json:"name"`
	CreationDate *epoch `json:"creationDate"`
}

type listActivitiesOut struct {
	Activities []activityItem `json:"activities"`
	NextToken  string         `json:"nextToken,omitempty"`
}

func (s *Service) listActivities(ctx context.Context, in *listIn) (any, error) {
	n, after, err := pageStart(s.pages, in.MaxResults, in.NextToken, "act", anyPos)
	if err != nil {
		return nil, err
	}
	acts, err := s.store.ListActivities(ctx, after, n+1)
	if err != nil {
		return nil, err
	}
	out := &listActivitiesOut{Activities: []activityItem{}}
	acts, out.NextToken = pageEnd(s.pages, acts, n, "act", func(a *store.Activity) string { return a.Arn })
	for _, a := range acts {
		out.Activities = append(out.Activities, activityItem{ActivityArn: a.Arn, Name: a.Name, CreationDate: ts(a.Created)})
	}
	return out, nil
}

type activityTaskOut struct {
	TaskToken string `json:"taskToken,omitempty"`
	Input     string `json:"input,omitempty"`
}

func (s *Service) getActivityTask(ctx context.Context, in *activityIn) (any, error) {
	if len(in.WorkerName) > 80 {
		return nil, apiErr(errValidation, "1 validation error detected: Value at 'workerName' failed to satisfy constraint: Member must have length less than or equal to 80")
	}
	if _, err := s.getActivity(ctx, in.ActivityArn); err != nil {
		return nil, err
	}
	t := s.acts.queue(in.ActivityArn).pop(ctx, s.opts.ActivityPollTimeout, s.tokenLive, s.forgetActivityTask, s.shutdown)
	if t == nil {
		return &activityTaskOut{}, nil
	}
	// Handed out: a restart must not queue it again (as on AWS, a task
	// whose response is lost then ends by its timeouts).
	s.forgetActivityTask(t)
	return &activityTaskOut{TaskToken: t.token, Input: t.input}, nil
}
