namespace HierFunctional

/// One step of building a model: the nodes it declares and the symbolic value it binds. A plain writer value
/// (no closures are kept), so running the computation expression yields a Model with structural equality.
type Step<'T> =
    internal
        {
            Declared: Node list
            Value: 'T
        }

/// Operations on model-building steps.
[<RequireQualifiedAccess>]
module Step =
    /// A step that declares nothing and binds a value.
    let ret (x: 'T) : Step<'T> = { Declared = []; Value = x }

    /// Sequencing: the nodes of the first step come before the nodes of the continuation.
    let bind (f: 'T -> Step<'U>) (s: Step<'T>) : Step<'U> =
        let next = f s.Value

        {
            Declared = s.Declared @ next.Declared
            Value = next.Value
        }

    /// The nodes a step declares, in order.
    let nodes (s: Step<'T>) = s.Declared

    /// The model a step (a whole `model { }` block) declares.
    let toModel (s: Step<'T>) = Model.ofNodes s.Declared

    /// Changes the plate of the single node a primitive step declares.
    let withPlate (plate: Plate) (s: Step<'T>) : Step<'T> =
        match s.Declared with
        | [ n ] ->
            { s with
                Declared = [ { n with Plate = plate } ]
            }
        | _ ->
            invalidArg
                "s"
                "over/sized apply to a single sample or derived step, e.g. sample \"theta\" d |> over \"school\"."

/// The `model { }` computation expression: `let!` binds symbolic expressions, so the block only builds the tree.
type ModelBuilder() =
    /// `let!`: declare the step's nodes, then continue with its symbolic value.
    member _.Bind(s: Step<'T>, f: 'T -> Step<'U>) = Step.bind f s
    /// `return`.
    member _.Return(x: 'T) = Step.ret x
    /// `return!`.
    member _.ReturnFrom(s: Step<'T>) = s
    /// An empty step.
    member _.Zero() = Step.ret ()
    /// Sequencing of `do!` steps.
    member _.Combine(a: Step<unit>, b: Step<'T>) = Step.bind (fun () -> b) a
    /// The tree is pure, so there is nothing to postpone.
    member _.Delay(f: unit -> Step<'T>) = f ()

    /// `for x in xs do ...` declares the body's nodes once per element, in order.
    member _.For(xs: seq<'a>, body: 'a -> Step<unit>) =
        xs |> Seq.fold (fun acc x -> Step.bind (fun () -> body x) acc) (Step.ret ())

    /// The finished block is a Model value.
    member _.Run(s: Step<'T>) : Model = Step.toModel s

/// The modelling primitives: `model`, `sample`, `observe`, `derived`, `factor`, `over`, `sized`.
[<AutoOpen>]
module Primitives =
    /// The model computation expression.
    let model = ModelBuilder()

    /// Declares an unknown parameter with a prior and binds a symbolic reference to it.
    let sample (name: string) (dist: Dist) : Step<Expr> =
        {
            Declared =
                [
                    {
                        Name = name
                        Kind = NodeKind.Parameter dist
                        Plate = Plate.Scalar
                    }
                ]
            Value = Param name
        }

    /// Declares that the data column `name` is modelled, row by row, by the distribution.
    let observe (name: string) (dist: Dist) : Step<unit> =
        {
            Declared =
                [
                    {
                        Name = name
                        Kind = NodeKind.Observed dist
                        Plate = Plate.Rows
                    }
                ]
            Value = ()
        }

    /// Declares a named deterministic quantity (monitored like a parameter) and binds a reference to it.
    let derived (name: string) (value: Expr) : Step<Expr> =
        {
            Declared =
                [
                    {
                        Name = name
                        Kind = NodeKind.Derived value
                        Plate = Plate.Scalar
                    }
                ]
            Value = Param name
        }

    /// Adds a term to the joint log-density, e.g. `factor "hyperprior" (-2.5 * log (alpha + beta))`.
    let factor (name: string) (logDensity: Expr) : Step<unit> =
        {
            Declared =
                [
                    {
                        Name = name
                        Kind = NodeKind.Factor logDensity
                        Plate = Plate.Scalar
                    }
                ]
            Value = ()
        }

    /// Makes a sample/derived step one value per level of a group column: `sample "theta" d |> over "school"`.
    let over (group: string) (s: Step<'T>) = Step.withPlate (Plate.Over group) s

    /// Makes a sample/derived step a fixed-length vector, e.g. regression coefficients.
    let sized (length: int) (s: Step<'T>) = Step.withPlate (Plate.Sized length) s

    /// Makes a derived step one value per data row (e.g. a linear predictor worth monitoring).
    let perRow (s: Step<'T>) = Step.withPlate Plate.Rows s
