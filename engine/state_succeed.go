package engine

// runSucceed is a Succeed state's body: nothing but the input, which
// OutputPath filters; the state ends its graph.
func (ex *execution) runSucceed(in any) outcome {
	return outcome{result: in}
}
