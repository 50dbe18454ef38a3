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
//   - A Distributed Map's ItemReader and ResultWriter run on the
//     workers' object store (Tasks.Objects: items.Dir or S3), as the
//     activities "stepwise.readItems" and "stepwise.writeResults"
//     (Runtime.ReadItems, Runtime.ResultSink); the workflow does no I/O.
//     Items come a page at a time as the map run asks for them (at most
//     DefaultPageItems items, closed at DefaultPageBytes of JSON, far
//     below the 2 MB limit of an activity result). A page's cursor is the
//     number of items read before it: the worker that read the previous
//     page keeps its reader open at that position (up to 64 readers, each
//     closed after 10 idle minutes), any other worker opens the object
//     again and skips that many items, so a lost worker costs a re-read,
//     not the run. The results go to one WriteResults activity in its
//     input, which is bounded (about 1.5 MB of children's inputs and
//     outputs; beyond, the Map fails with States.Runtime saying so).
//   - The children of a map run are workflow coroutines, like inline Map
//     iterations: a child of Pass, Choice or other in-workflow states
//     records no Temporal event, and a child's Tasks go to activities or
//     batch child workflows as any Task does. The history of a map run
//     grows by its pages (three events each) and the children's
//     activities or batches, not by the number of children: 100,000 CSV
//     rows in batches of 1,000 with Pass children is about 140 events.
//     Each page and the children's outputs (the Map's result without a
//     ResultWriter) are in the history, so the items of one map run are
//     bounded by the 50 MB history size (a few hundred thousand CSV
//     rows); children as child workflows of their own, in a map-run
//     workflow that continues as new, are not built yet.
//   - .waitForTaskToken tasks wait for a signal (CompleteTask, Heartbeat).
//   - At a top-level checkpoint, when Temporal suggests it, the workflow
//     continues as new from the engine's Checkpoint, carrying the earlier
//     events (compressed) so that the "history" query stays complete.
//
// A worker registers everything with Register; clients start executions
// with Start and wait with Result.
package temporal
