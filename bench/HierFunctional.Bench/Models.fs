/// The canonical models of the benchmark, each written twice with the same priors: as a HierFunctional model and
/// in the BUGS language for JAGS (dnorm takes a precision, dgamma a rate; HalfNormal(s) = dnorm(0, 1/s²) T(0,),
/// HalfCauchy(s) = dt(0, 1/s², 1) T(0,)).
module HierFunctional.Bench.Models

open System.IO
open HierFunctional
open type Distributions

/// One benchmark model: ours, its data, the same model in BUGS and its data as R-dump variables.
type BenchModel =
    {
        /// Short name used in tables and on the command line.
        Name: string
        /// The HierFunctional model.
        Model: Model
        /// Its data.
        Data: Dataset
        /// Kept draws per chain in a full run (fast models get longer chains so the timing is stable).
        Draws: int
        /// The BUGS model text.
        Bugs: string
        /// JAGS data (name, R-dump value) from the bound model, so both read the same numbers.
        JagsData: Bound -> (string * RValue) list
        /// Nodes JAGS monitors.
        JagsMonitor: string list
    }

/// A value in R dump format.
and RValue =
    | RScalar of float
    | RVector of float[]
    /// Row-major rows × columns.
    | RMatrix of float[,]

/// The repository root, found from the working directory or the executable's folder.
let repoRoot =
    let rec up (d: DirectoryInfo) =
        if isNull d then
            None
        elif File.Exists(Path.Combine(d.FullName, "HierFunctional.sln")) then
            Some d.FullName
        else
            up d.Parent

    up (DirectoryInfo(Directory.GetCurrentDirectory()))
    |> Option.orElse (up (DirectoryInfo(System.AppContext.BaseDirectory)))
    |> Option.defaultWith (fun () -> failwith "run the benchmark from inside the HierFunctional repository")

let private csv name =
    Csv.readOrThrow (Path.Combine(repoRoot, "docs", "data", name))

let private col (b: Bound) name = RVector b.Numeric.[name]

let private groupIndex (b: Bound) g =
    RVector(b.Groups.[g].RowLevel |> Array.map (fun l -> float (l + 1)))

let private levels (b: Bound) g =
    RScalar(float b.Groups.[g].Levels.Length)

let private rows (b: Bound) = RScalar(float b.Rows)

let private eightSchoolsData (b: Bound) =
    [
        "N", rows b
        "J", levels b "school"
        "school", groupIndex b "school"
        "y", col b "y"
        "sigma", col b "sigma"
    ]

let private eightSchoolsCentred =
    {
        Name = "eight_schools_centred"
        Model = Examples.eightSchools
        Data = csv "eight_schools.csv"
        Draws = 100000
        Bugs =
            """model {
  mu ~ dnorm(0, 1 / 25)
  tau ~ dt(0, 1 / 25, 1) T(0,)
  for (j in 1:J) { theta[j] ~ dnorm(mu, 1 / (tau * tau)) }
  for (i in 1:N) { y[i] ~ dnorm(theta[school[i]], 1 / (sigma[i] * sigma[i])) }
}"""
        JagsData = eightSchoolsData
        JagsMonitor = [ "mu"; "tau"; "theta" ]
    }

let private eightSchoolsNonCentred =
    {
        Name = "eight_schools_noncentred"
        Model = Examples.eightSchoolsNonCentred
        Data = csv "eight_schools.csv"
        Draws = 100000
        Bugs =
            """model {
  mu ~ dnorm(0, 1 / 25)
  tau ~ dt(0, 1 / 25, 1) T(0,)
  for (j in 1:J) {
    eta[j] ~ dnorm(0, 1)
    theta[j] <- mu + tau * eta[j]
  }
  for (i in 1:N) { y[i] ~ dnorm(theta[school[i]], 1 / (sigma[i] * sigma[i])) }
}"""
        JagsData = eightSchoolsData
        JagsMonitor = [ "mu"; "tau"; "eta"; "theta" ]
    }

let private pumps =
    {
        Name = "pumps"
        Model = Examples.pumps
        Data = csv "pumps.csv"
        Draws = 100000
        Bugs =
            """model {
  alpha ~ dexp(1)
  beta ~ dgamma(0.1, 1.0)
  for (j in 1:J) { theta[j] ~ dgamma(alpha, beta) }
  for (i in 1:N) { x[i] ~ dpois(theta[pump[i]] * t[i]) }
}"""
        JagsData =
            fun b ->
                [
                    "N", rows b
                    "J", levels b "pump"
                    "pump", groupIndex b "pump"
                    "x", col b "x"
                    "t", col b "t"
                ]
        JagsMonitor = [ "alpha"; "beta"; "theta" ]
    }

/// p(α, β) ∝ (α+β)^(−5/2) in JAGS: u = α/(α+β) ~ U(0, 1) and w = (α+β)^(−1/2) ~ U(0, 10) have a flat joint
/// density (the bound truncates α+β > 0.01, where the posterior has no mass).
let private betaBinomialBugs =
    """model {
  u ~ dunif(0, 1)
  w ~ dunif(0, 10)
  v <- 1 / pow(w, 2)
  alpha <- u * v
  beta <- (1 - u) * v
  for (j in 1:J) { theta[j] ~ dbeta(alpha, beta) }
  for (i in 1:N) { y[i] ~ dbin(theta[g[i]], n[i]) }
  pop_mean <- u
  log_ratio <- log(alpha / beta)
  log_sum <- log(v)
}"""

let private betaBinomial name file groupColumn successes =
    {
        Name = name
        Model = Examples.betaBinomial groupColumn successes
        Data = csv file
        Draws = 20000
        Bugs = betaBinomialBugs
        JagsData =
            fun b ->
                [
                    "N", rows b
                    "J", levels b groupColumn
                    "g", groupIndex b groupColumn
                    "y", col b successes
                    "n", col b "n"
                ]
        JagsMonitor = [ "alpha"; "beta"; "theta"; "pop_mean"; "log_ratio"; "log_sum" ]
    }

let private c = constant
let private vec (xs: float list) = vector (xs |> List.map c)
let private mat (rows: float list list) = matrix (rows |> List.map (List.map c))

/// Sleepstudy varying intercepts and slopes: b_j ~ MvNormal(μ, Σ_b), Σ_b ~ InverseWishart(4, diag(600, 35)).
let sleepstudyModel =
    model {
        let! mu =
            sample "mu" (MvNormal(vec [ 250.0; 10.0 ], mat [ [ 2500.0; 0.0 ]; [ 0.0; 100.0 ] ]))

        let! sigmaB =
            sample "SigmaB" (InverseWishart(c 4.0, mat [ [ 600.0; 0.0 ]; [ 0.0; 35.0 ] ]))

        let! sigma = sample "sigma" (HalfNormal 50.0)
        let! b = sample "b" (MvNormal(mu, sigmaB)) |> over "Subject"
        do! observe "Reaction" (Normal(dot (vector [ c 1.0; data "Days" ]) b.[group "Subject"], sigma))
    }

let private sleepstudy =
    {
        Name = "sleepstudy"
        Model = sleepstudyModel
        Data = csv "sleepstudy.csv"
        Draws = 50000
        // Σ_b ~ IW(ν, Ψ) is Ω = Σ_b⁻¹ ~ Wishart with JAGS's dwish(Ψ, ν) (density ∝ |Ω|^((ν−p−1)/2) exp(−tr(ΨΩ)/2)).
        Bugs =
            """model {
  mu[1:2] ~ dmnorm(m0[], P0[,])
  Omega[1:2, 1:2] ~ dwish(Psi[,], 4)
  SigmaB[1:2, 1:2] <- inverse(Omega[,])
  sigma ~ dnorm(0, 1 / 2500) T(0,)
  for (j in 1:J) { b[j, 1:2] ~ dmnorm(mu[], Omega[,]) }
  for (i in 1:N) { Reaction[i] ~ dnorm(b[Subject[i], 1] + b[Subject[i], 2] * Days[i], 1 / (sigma * sigma)) }
}"""
        JagsData =
            fun b ->
                [
                    "N", rows b
                    "J", levels b "Subject"
                    "Subject", groupIndex b "Subject"
                    "Days", col b "Days"
                    "Reaction", col b "Reaction"
                    "m0", RVector [| 250.0; 10.0 |]
                    "P0", RMatrix(array2D [ [ 1.0 / 2500.0; 0.0 ]; [ 0.0; 0.01 ] ])
                    "Psi", RMatrix(array2D [ [ 600.0; 0.0 ]; [ 0.0; 35.0 ] ])
                ]
        JagsMonitor = [ "mu"; "SigmaB"; "sigma"; "b" ]
    }

/// Logistic random intercepts (cbpp): incidence_i ~ Binomial(size_i, logit⁻¹(a[herd_i])), a_j ~ N(μ, τ).
let logisticModel =
    model {
        let! mu = sample "mu" (Normal(0.0, 2.5))
        let! tau = sample "tau" (HalfNormal 1.0)
        let! a = sample "a" (Normal(mu, tau)) |> over "herd"
        do! observe "incidence" (Binomial(data "size", invLogit a.[group "herd"]))
    }

let private logistic =
    {
        Name = "logistic_cbpp"
        Model = logisticModel
        Data = csv "cbpp.csv"
        Draws = 50000
        Bugs =
            """model {
  mu ~ dnorm(0, 1 / 6.25)
  tau ~ dnorm(0, 1) T(0,)
  for (j in 1:J) { a[j] ~ dnorm(mu, 1 / (tau * tau)) }
  for (i in 1:N) {
    logit(p[i]) <- a[herd[i]]
    incidence[i] ~ dbin(p[i], size[i])
  }
}"""
        JagsData =
            fun b ->
                [
                    "N", rows b
                    "J", levels b "herd"
                    "herd", groupIndex b "herd"
                    "incidence", col b "incidence"
                    "size", col b "size"
                ]
        JagsMonitor = [ "mu"; "tau"; "a" ]
    }

/// Minnesota radon, varying intercepts by county with a floor effect (Gelman & Hill 2007, ch. 12).
let radonModel =
    model {
        let! mu = sample "mu" (Normal(0.0, 10.0))
        let! tau = sample "tau" (HalfNormal 1.0)
        let! sigma = sample "sigma" (HalfNormal 1.0)
        let! beta = sample "beta" (Normal(0.0, 10.0))
        let! a = sample "a" (Normal(mu, tau)) |> over "county"
        do! observe "log_radon" (Normal(a.[group "county"] + beta * data "floor", sigma))
    }

let private radon =
    {
        Name = "radon"
        Model = radonModel
        Data = csv "radon.csv"
        Draws = 10000
        Bugs =
            """model {
  mu ~ dnorm(0, 0.01)
  tau ~ dnorm(0, 1) T(0,)
  sigma ~ dnorm(0, 1) T(0,)
  beta ~ dnorm(0, 0.01)
  for (j in 1:J) { a[j] ~ dnorm(mu, 1 / (tau * tau)) }
  for (i in 1:N) { log_radon[i] ~ dnorm(a[county[i]] + beta * floor[i], 1 / (sigma * sigma)) }
}"""
        JagsData =
            fun b ->
                [
                    "N", rows b
                    "J", levels b "county"
                    "county", groupIndex b "county"
                    "floor", col b "floor"
                    "log_radon", col b "log_radon"
                ]
        JagsMonitor = [ "mu"; "tau"; "sigma"; "beta"; "a" ]
    }

/// All benchmark models, in table order.
let all () =
    [
        eightSchoolsCentred
        eightSchoolsNonCentred
        pumps
        betaBinomial "rats" "rats.csv" "experiment" "y"
        betaBinomial "surgical" "surgical.csv" "hospital" "r"
        sleepstudy
        logistic
        radon
    ]
