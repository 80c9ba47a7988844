namespace HierFunctional.Cli

/// Exit codes of `hier`.
[<RequireQualifiedAccess>]
module ExitCode =
    /// Success.
    [<Literal>]
    let Ok = 0

    /// The data or the model is wrong (bad CSV, model error, sampler failure).
    [<Literal>]
    let DataError = 1

    /// The command line is wrong (unknown option or example, missing argument).
    [<Literal>]
    let UsageError = 2

    /// `hier fit --strict` finished, but a convergence warning fired: the draws are written and must not be trusted.
    [<Literal>]
    let NotConverged = 3

    /// `hier fit` was interrupted (Ctrl-C, SIGINT): the draws made so far are written, marked partial (128 + SIGINT,
    /// as a shell reports an interrupted command).
    [<Literal>]
    let Interrupted = 130

/// A failure the user can fix: one message naming the file, row, column or option, and the exit code.
exception CliFailure of message: string * code: int

/// Raising CLI failures (named Fail: FSharp.Core already has a Failure pattern).
[<RequireQualifiedAccess>]
module Fail =
    /// Fails with a usage error (exit code 2).
    let usage (message: string) : 'a =
        raise (CliFailure(message, ExitCode.UsageError))

    /// Fails with a data or model error (exit code 1).
    let data (message: string) : 'a =
        raise (CliFailure(message, ExitCode.DataError))
