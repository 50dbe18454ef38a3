package aws

import (
	"context"
	"fmt"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations"
)

// The job integrations: glue:startJobRun, batch:submitJob, ecs:runTask and
// mediaconvert:createJob, each also .sync, where the task polls the job as
// Step Functions does (GetJobRun, DescribeJobs, DescribeTasks, GetJob)
// until it ends. A job that ends
// in failure fails the task with States.TaskFailed and the job's last
// description as the cause.

// invokeGlue runs arn:aws:states:::glue:startJobRun. The result carries the
// JobName of the request next to the JobRunId, as Step Functions adds it;
// .sync returns the JobRun of GetJobRun once it SUCCEEDED.
func invokeGlue(ctx context.Context, inv *Invoker, t *integrations.Task, r resource) (any, error) {
	_, res, err := inv.callOptimized(ctx, t, r, "startJobRun", t.Input)
	if err != nil {
		return nil, v1Error("Glue", "AWSGlueException", "AWSGlue", err)
	}
	jobName := member(t.Input, "JobName")
	if r.pattern == "waitForTaskToken" {
		return integrations.Pending{}, nil
	}
	if r.pattern != "sync" {
		res.out.Set("JobName", jobName)
		return withMetadata(res), nil
	}
	get := value.NewObject(2)
	get.Append("JobName", jobName)
	get.Append("RunId", member(res.out, "JobRunId"))
	return inv.poll(ctx, func(ctx context.Context) (any, bool, error) {
		_, got, err := inv.callOptimized(ctx, t, r, "getJobRun", get)
		if err != nil {
			return nil, false, v1Error("Glue", "AWSGlueException", "AWSGlue", err)
		}
		run, _ := member(got.out, "JobRun").(*value.Object)
		switch lookupString(run, "JobRunState") {
		case "SUCCEEDED":
			return sortDeep(run), true, nil
		case "FAILED", "ERROR", "STOPPED", "TIMEOUT", "EXPIRED":
			return nil, true, fault.New(fault.TaskFailed, value.EncodeString(sortDeep(run)))
		}
		return nil, false, nil
	})
}

// invokeBatch runs arn:aws:states:::batch:submitJob; .sync returns the
// job's description (DescribeJobs) once it SUCCEEDED.
func invokeBatch(ctx context.Context, inv *Invoker, t *integrations.Task, r resource) (any, error) {
	_, res, err := inv.callOptimized(ctx, t, r, "submitJob", t.Input)
	if err != nil {
		return nil, v1Error("Batch", "AWSBatchException", "AWSBatch", err)
	}
	if r.pattern == "waitForTaskToken" {
		return integrations.Pending{}, nil
	}
	if r.pattern != "sync" {
		return withMetadata(res), nil
	}
	describe := value.NewObject(1)
	describe.Append("Jobs", []any{member(res.out, "JobId")})
	return inv.poll(ctx, func(ctx context.Context) (any, bool, error) {
		_, got, err := inv.callOptimized(ctx, t, r, "describeJobs", describe)
		if err != nil {
			return nil, false, v1Error("Batch", "AWSBatchException", "AWSBatch", err)
		}
		jobs, _ := member(got.out, "Jobs").([]any)
		if len(jobs) == 0 {
			return nil, true, fault.New(fault.TaskFailed, fmt.Sprintf("Batch job %v was not found", member(res.out, "JobId")))
		}
		switch lookupString(jobs[0], "Status") {
		case "SUCCEEDED":
			return sortDeep(jobs[0]), true, nil
		case "FAILED":
			return nil, true, fault.New(fault.TaskFailed, value.EncodeString(sortDeep(jobs[0])))
		}
		return nil, false, nil
	})
}

// invokeECS runs arn:aws:states:::ecs:runTask; .sync polls DescribeTasks
// until every task STOPPED and returns the description; a task whose
// container exited with a non-zero code, or that stopped for another
// reason than its essential container exiting, fails the task.
func invokeECS(ctx context.Context, inv *Invoker, t *integrations.Task, r resource) (any, error) {
	_, res, err := inv.callOptimized(ctx, t, r, "runTask", t.Input)
	if err != nil {
		return nil, v1Error("ECS", "AmazonECSException", "AmazonECS", err)
	}
	if r.pattern == "waitForTaskToken" {
		return integrations.Pending{}, nil
	}
	if r.pattern != "sync" {
		return withMetadata(res), nil
	}
	if failures, _ := member(res.out, "Failures").([]any); len(failures) > 0 {
		return nil, fault.New(fault.TaskFailed, value.EncodeString(sortDeep(res.out)))
	}
	tasks, _ := member(res.out, "Tasks").([]any)
	var arns []any
	for _, tk := range tasks {
		if a := lookupString(tk, "TaskArn"); a != "" {
			arns = append(arns, a)
		}
	}
	describe := value.NewObject(2)
	if c := member(t.Input, "Cluster"); c != nil {
		describe.Append("Cluster", c)
	}
	describe.Append("Tasks", arns)
	return inv.poll(ctx, func(ctx context.Context) (any, bool, error) {
		_, got, err := inv.callOptimized(ctx, t, r, "describeTasks", describe)
		if err != nil {
			return nil, false, v1Error("ECS", "AmazonECSException", "AmazonECS", err)
		}
		tasks, _ := member(got.out, "Tasks").([]any)
		if len(tasks) == 0 {
			return nil, true, fault.New(fault.TaskFailed, value.EncodeString(sortDeep(got.out)))
		}
		for _, tk := range tasks {
			if lookupString(tk, "LastStatus") != "STOPPED" {
				return nil, false, nil
			}
		}
		for _, tk := range tasks {
			if !ecsTaskSucceeded(tk) {
				return nil, true, fault.New(fault.TaskFailed, value.EncodeString(sortDeep(got.out)))
			}
		}
		return sortDeep(got.out), true, nil
	})
}

// ecsTaskSucceeded reports whether every container of a stopped task
// exited with code 0.
func ecsTaskSucceeded(tk any) bool {
	containers, _ := member(tk, "Containers").([]any)
	for _, c := range containers {
		code, ok := member(c, "ExitCode").(int64)
		if !ok || code != 0 {
			return false
		}
	}
	return true
}

// member returns the member of an object, nil when v is not an object or
// has no such member.
func member(v any, name string) any {
	o, ok := v.(*value.Object)
	if !ok {
		return nil
	}
	m, _ := o.Get(name)
	return m
}

// invokeMediaConvert runs arn:aws:states:::mediaconvert:createJob; .sync
// polls GetJob until the job is COMPLETE and returns GetJob's result; an
// ERROR or CANCELED job fails the task with that result as the cause.
func invokeMediaConvert(ctx context.Context, inv *Invoker, t *integrations.Task, r resource) (any, error) {
	_, res, err := inv.callOptimized(ctx, t, r, "createJob", t.Input)
	if err != nil {
		return nil, v1Error("MediaConvert", "AWSMediaConvertException", "AWSMediaConvert", err)
	}
	if r.pattern == "waitForTaskToken" {
		return integrations.Pending{}, nil
	}
	if r.pattern != "sync" {
		return withMetadata(res), nil
	}
	get := value.NewObject(1)
	get.Append("Id", lookupString(res.out, "Job", "Id"))
	return inv.poll(ctx, func(ctx context.Context) (any, bool, error) {
		_, got, err := inv.callOptimized(ctx, t, r, "getJob", get)
		if err != nil {
			return nil, false, v1Error("MediaConvert", "AWSMediaConvertException", "AWSMediaConvert", err)
		}
		switch lookupString(got.out, "Job", "Status") {
		case "COMPLETE":
			return sortDeep(got.out), true, nil
		case "ERROR", "CANCELED":
			return nil, true, fault.New(fault.TaskFailed, value.EncodeString(sortDeep(got.out)))
		}
		return nil, false, nil
	})
}
