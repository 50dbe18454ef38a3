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
//     not the run. The results are staged in the object store about a
//     megabyte at a time as they pass 1 MB ("stepwise.stageResults",
//     one staging at a time, so that no workflow task's commands pass
//     Temporal's 4 MB), and the WriteResults activity writes the files
//     from the staged objects and the rest, then deletes the staged
//     objects. (Workflows started before staging give all the results to
//     WriteResults, up to about 1.5 MB; beyond, the Map fails with
//     States.Runtime saying so.)
//   - Each child execution of a map run (an item, or a batch) is a child
//     workflow of its own (Runtime.RunChild, engine.ChildRunner): an
//     ExecutionWorkflow of the ItemProcessor with the workflow ID
//     PARENT/NAME, the child's execution name and ARN, MACHINE/LABEL,
//     type, start time and redrive count (so its $$.Execution and
//     $$.StateMachine are what an in-process child sees), the parent's
//     mocks and task queue, and a history of its own. The map run keeps
//     the accounting (results, tolerated failures, the ResultWriter).
//     Workflows started before child workflows (the version
//     "stepwise-child-workflows") keep running their children as
//     workflow coroutines, so that they replay.
//     Fewer than ChildShardThreshold (64) children started together are
//     child workflows of the execution; more, or any once the history
//     passes HistoryBudget, go into shard workflows
//     ("stepwise.ChildShard", PARENT/shard/NAME) of at most
//     ChildShardSize (500) children and about 1 MB of inputs, which start
//     them as their own child workflows, signal failed children to the
//     parent as they fail (at most once a second) and return the
//     outcomes when they end: the first 512 KB of them (shard workflows
//     of the version "stepwise-shard-outcomes"), the others signalled to
//     the parent as their children end, at most 1 MB a signal, so that no
//     payload passes Temporal's 2 MB. A child the map run stops waiting for (the
//     run failed, was aborted, or the execution stops) is cancelled and
//     ends ABORTED: directly, by cancelling its shard when all of the
//     shard's children are abandoned, or by a signal that names it. The
//     parent's history grows by a few events per direct child or shard
//     and by the pages: 100,000 CSV rows in batches of 1,000, 10 at a
//     time, record about 550 events (8 in each child); 3,000 unbatched
//     children 71–73 events in the parent and 2,725–3,446 in each of
//     their 6 shards (at most nine per child, 4,600 for 500). A map run
//     whose MaxConcurrency is below ChildShardThreshold hands over
//     ChildShardSize children at once (engine.ChildQueue,
//     ChildQueueDepth, the workflow version "stepwise-child-queue"): they
//     go into one shard at a time, which starts them in order,
//     MaxConcurrency at once; the last few, no more than may run, are
//     direct child workflows, MaxConcurrency at once. A child the shard
//     had not started when the run stopped waiting is never started
//     (engine.ChildNotStarted: PENDING in the ResultWriter's files). A
//     run batched by MaxItemsPerBatch k hands over ChildShardSize/k
//     batches (none more than may run when that is fewer, or when batched
//     by bytes alone). So 122 children, 3 at a time, shards of 40, cost
//     the parent 51 events, where each direct child costs about five.
//     Each page and the children's outputs (the Map's result without a
//     ResultWriter) are in the parent's history,
//     so the items of one map run are bounded by the 50 MB history size
//     (a few hundred thousand CSV rows).
//   - The workflow keeps its map runs for the Map Run API (maprun.go): the
//     engine tells it, in summary (engine.MapRunSummaryObserver), when map
//     runs and children start and end, which changes none of its commands.
//     The query QueryMapRuns ("mapRuns": one run, or a page of at most
//     1,000) gives each run's settings and
//     item and execution counts (children waiting in the child queue, or
//     in a shard past the first MaxConcurrency, count as pending) and its
//     running shards, which a client asks where their children stand (the
//     shard's query QueryShardProgress, "shardProgress"; RefineMapRun,
//     RefineChildren) before the shard reports them to the parent; the
//     query QueryMapRunChildren ("mapRunChildren") a page of a run's
//     children, newest first (at most 2,000 a query). The workflow update
//     UpdateMapRunName ("updateMapRun"; refused for a map run that does not
//     run), or the signal UpdateMapRunSignal ("stepwise.updateMapRun") where
//     a server takes no updates, changes a running map run's
//     MaxConcurrency and tolerated failures (engine.MapRunControl):
//     the run's gate follows a new MaxConcurrency, and so does its running
//     shard, signalled "stepwise.shardConcurrency" (a queued run hands over
//     at most ChildShardSize children at once, which bounds a raised
//     limit). Ended map runs carry over a continue-as-new, without their
//     children.
//   - .waitForTaskToken tasks wait for a signal (CompleteTask, Heartbeat).
//   - At a top-level checkpoint, when Temporal suggests it, the workflow
//     continues as new from the engine's Checkpoint, carrying the earlier
//     events (compressed) so that the history stays complete: the
//     "historyPage" query answers it a page at a time (at most 1 MB of
//     events a page); the "history" query answers it whole, which
//     Temporal refuses past 2 MB.
//
// A worker registers everything with Register; clients start executions
// with Start and wait with Result.
package temporal
