namespace HierFunctional

open System

/// A total over observations with its standard error √n · sd(pointwise values), as R's loo reports it.
type CriterionEstimate =
    {
        /// The sum of the pointwise values.
        Estimate: float
        /// √n times the sample standard deviation of the pointwise values.
        SE: float
    }

/// The per-observation arithmetic the criteria share: moments, log-sum-exp and the [draw][observation] shape check.
module internal Pointwise =
    let mean (x: float[]) = Array.average x

    // Sample variance with n − 1, as R's var and matrixStats::colVars.
    let variance (x: float[]) =
        let m = mean x
        (x |> Array.sumBy (fun v -> (v - m) * (v - m))) / float (x.Length - 1)

    let logSumExp (x: float[]) =
        let m = Array.max x

        if Double.IsNegativeInfinity m || Double.IsPositiveInfinity m then
            m
        else
            m + log (x |> Array.sumBy (fun v -> exp (v - m)))

    let estimate (pointwise: float[]) =
        {
            Estimate = Array.sum pointwise
            SE = sqrt (float pointwise.Length * variance pointwise)
        }

    // Transposes [draw][observation] into [observation][draw] after checking the shape.
    let columns (name: string) (logLik: float[][]) =
        if isNull logLik || logLik.Length < 2 then
            invalidArg name "need at least two draws (rows of the [draw][observation] array)."

        let n = logLik.[0].Length

        if n = 0 then
            invalidArg name "need at least one observation (column)."

        logLik
        |> Array.iteri (fun s row ->
            if row.Length <> n then
                invalidArg
                    name
                    $"row {s} has {row.Length} observations but row 0 has {n}; the array must be rectangular."

            if row |> Array.exists (fun v -> Double.IsNaN v || Double.IsInfinity v) then
                invalidArg name $"row {s} contains a NaN or infinite log-likelihood; all values must be finite.")

        Array.init n (fun i -> Array.init logLik.Length (fun s -> logLik.[s].[i]))
