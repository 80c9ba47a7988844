/// Generators, tolerances and the property runner shared by the log-density tests.
module HierFunctional.Tests.DensityGen

open FsCheck
open FsCheck.FSharp
open HierFunctional

let check prop =
    Check.One(TestConfig.quick.WithMaxTest 200, prop)

/// A property with its number of cases, for `property` below.
let casesOf (n: int) (prop: Property) = n, prop

/// The Expecto test of a property function, from the suite's fixed replay seed.
let property (name: string) (f: unit -> int * Property) =
    let n, prop = f ()
    Expecto.ExpectoFsCheck.testPropertyWithConfig { TestConfig.fsCheck with maxTest = n } name prop

let c0 = Const 0.0

/// Uniform float in [lo, hi].
let between (lo: float) (hi: float) =
    Gen.choose (0, 1_000_000) |> Gen.map (fun i -> lo + (hi - lo) * float i / 1e6)

/// Log-uniform float in [lo, hi].
let logBetween (lo: float) (hi: float) =
    between (log lo) (log hi) |> Gen.map exp

let intBetween lo hi = Gen.choose (lo, hi) |> Gen.map float
let sc = Value.Scalar

/// |a − b| ≤ tol·max(1, |b|): relative for large values, absolute near zero (log-densities cross zero).
let close (tol: float) (a: float) (b: float) = abs (a - b) <= tol * max 1.0 (abs b)

let pos = logBetween 0.1 20.0
let loc = between -10.0 10.0
let real = between -30.0 30.0
