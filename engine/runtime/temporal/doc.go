// Package temporal runs state machines durably on Temporal
// (go.temporal.io/sdk): one workflow type, ExecutionWorkflow
// ("stepwise.Execution"), interprets a definition with the engine over a
// Runtime made of workflow primitives.
//
//   - Parallel branches and Map iterations are workflow coroutines, Wait
//     states and retry back-off durable timers, now the workflow's time,
//     and UUIDs, task tokens, jitter and States.MathRandom come from a
//     source seeded once through workflow.SideEffect.
//   - Each Task is an activity ("stepwise.task", Tasks.Run) run by a
//     worker's invoker (mocks, Go functions, AWS) with StartToClose from
//     TimeoutSeconds, a heartbeat timeout from HeartbeatSeconds and no
//     activity retries: Retry is the interpreter's. Values cross as JSON
//     text written by asl/value, so member order and integer vs float
//     survive, and errors as application errors whose type is the error
//     name.
//   - When many tasks are invoked together (a large Map), they run in
//     batch child workflows ("stepwise.TaskBatch"), so a 10,000-item Map
//     stays far below Temporal's history limits.
//   - .waitForTaskToken tasks wait for a signal (CompleteTask, Heartbeat).
//   - At a top-level checkpoint, when Temporal suggests it, the workflow
//     continues as new from the engine's Checkpoint, carrying the earlier
//     events (compressed) so that the "history" query stays complete.
//
// A worker registers everything with Register; clients start executions
// with Start and wait with Result.
package temporal
