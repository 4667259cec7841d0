"""An example dashboard on the runtime module that `stagespec build` generates."""
