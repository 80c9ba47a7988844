(**
# A5. Errors: every kind, what triggers it, and the message you get

Bad input never becomes a plausible number. Model and data problems come back as `ModelError` values from
`Bind.bind` and `Gibbs.compile` (or as a `ModelException` carrying one, from the `...OrThrow` functions and the
sampler); each has an `ErrorKind` for code that switches on it, and `ModelError.describe` gives the message for
people: which node, column or row, what is wrong, and what to do. This script triggers each kind and prints its
message; docs/errors.md explains the fixes. CI runs it, so the messages shown there are real.
*)
#load "references.fsx"
open HierFunctional
open type Distributions

let schools =
    Dataset.empty
    |> Dataset.labels "school" [| "A"; "B"; "C" |]
    |> Dataset.reals "y" [| 28.; 8.; -3. |]
    |> Dataset.reals "sigma" [| 15.; 10.; 16. |]

let eight = Examples.eightSchools

let show (expected: ErrorKind) (result: Result<'a, ModelError list>) =
    match result with
    | Error(e :: _) when ModelError.kind e = expected -> printfn "%-24A %s" expected (ModelError.describe e)
    | Error(e :: _) -> failwithf "expected %A, got %A: %s" expected (ModelError.kind e) (ModelError.describe e)
    | _ -> failwithf "expected %A, but it succeeded" expected

let bindAndCompile m d = Bind.bind m d |> Result.bind Gibbs.compile

show ErrorKind.MissingColumn (Bind.bind eight (Dataset.empty |> Dataset.labels "school" [| "A" |] |> Dataset.reals "y" [| 28. |]))
show ErrorKind.NonFiniteValue (Bind.bind eight (schools |> Dataset.reals "sigma" [| 15.; nan; 16. |]))
show ErrorKind.OutsideSupport (Bind.bind Examples.pumps (Dataset.empty |> Dataset.labels "pump" [| "a" |] |> Dataset.integers "x" [| -1 |] |> Dataset.reals "t" [| 1.0 |]))
show ErrorKind.WrongColumnType (Bind.bind eight (schools |> Dataset.labels "sigma" [| "a"; "b"; "c" |]))

show ErrorKind.DuplicateNode (Bind.bind (model {
    let! _ = sample "mu" (Normal(0.0, 1.0))
    let! _ = sample "mu" (Normal(0.0, 1.0))
    return () }) schools)

show ErrorKind.UndefinedReference (Bind.bind (model { do! observe "y" (Normal(Param "mu", 1.0)) }) schools)

show ErrorKind.NotNested (Bind.bind Examples.threeLevel (Dataset.empty
    |> Dataset.labels "school" [| "S1"; "S2" |] |> Dataset.labels "classroom" [| "C1"; "C1" |] |> Dataset.reals "score" [| 1.0; 2.0 |]))

show ErrorKind.InvalidArgument (bindAndCompile (model {
    let! v = sample "v" (Gamma(2.0, -1.0))
    do! observe "y" (Normal(0.0, v)) }) schools)

show ErrorKind.ImproperPosterior (bindAndCompile (model {
    let! _ = sample "unused" (Flat Support.Positive)
    do! observe "y" (Normal(0.0, 1.0)) }) schools)

(**
Starting values are checked too. By default every chain starts at a typical value of each prior (docs/tutorials
a2-gibbs-compiler.fsx, "Starting values"); a value you give with `Initial.Given` is refused when it is outside its
node's support or on its edge, and a start whose log-density is not finite names the node and row it fails in.
*)
let raises (expected: ErrorKind) (run: unit -> Posterior) =
    try
        run () |> ignore
        failwithf "expected %A, but it succeeded" expected
    with :? ModelException as e when e.Kind = expected -> printfn "%-24A %s" expected e.Message

let precisionModel =
    model {
        let! tau = sample "tau" (Gamma(0.001, 0.001))
        do! observe "y" (Normal(0.0, 1.0 / sqrt tau))
    }

let fitFrom (m: Model) (d: Dataset) (initial: Initial) () =
    match bindAndCompile m d with
    | Ok plan -> Chains.run (SamplerOptions.Default.WithDraws(10).WithWarmup(10).WithInitial initial) plan
    | Error e -> failwithf "%A" e

raises ErrorKind.InvalidInitialValue (fitFrom precisionModel schools (Initial.given [ "tau", Value.Scalar 0.0 ]))

let overflow =
    model {
        let! eta = sample "eta" (Normal(0.0, 1000.0))
        do! observe "k" (Poisson(exp eta))
    }

raises ErrorKind.NumericalFailure (fitFrom overflow (Dataset.empty |> Dataset.integers "k" [| 3 |]) (Initial.given [ "eta", Value.Scalar 800.0 ]))

(** A sampler that meets a NaN stops with `NumericalFailure` naming the update, instead of writing NaN draws. *)
printfn "all checks passed"
