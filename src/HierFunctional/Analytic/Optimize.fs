namespace HierFunctional.Analytic

open MathNet.Numerics.LinearAlgebra
open MathNet.Numerics.Optimization

/// Small numerical helpers shared by the empirical-Bayes fits: maximisation and observed information.
module internal Optimize =

    let private step (x: float) = 1e-4 * max 1.0 (abs x)

    /// Central-difference gradient of f at x.
    let gradient (f: float[] -> float) (x: float[]) =
        Array.init x.Length (fun i ->
            let h = step x[i]
            let up = Array.copy x
            let dn = Array.copy x
            up[i] <- x[i] + h
            dn[i] <- x[i] - h
            (f up - f dn) / (2.0 * h))

    /// Central-difference Hessian of f at x (second differences, O(h²) accurate).
    let hessian (f: float[] -> float) (x: float[]) =
        let n = x.Length

        let at (d: (int * float) list) =
            let y = Array.copy x

            for (i, h) in d do
                y[i] <- y[i] + h

            f y

        Matrix<float>
            .Build.Dense(
                n,
                n,
                fun i j ->
                    let hi, hj = 10.0 * step x[i], 10.0 * step x[j]

                    if i = j then
                        (at [ i, hi ] - 2.0 * f x + at [ i, -hi ]) / (hi * hi)
                    else
                        (at [ i, hi; j, hj ] - at [ i, hi; j, -hj ] - at [ i, -hi; j, hj ]
                         + at [ i, -hi; j, -hj ])
                        / (4.0 * hi * hj)
            )

    /// Maximises f from x0: Nelder-Mead (MathNet) to get close, then Newton steps with a numerical Hessian to
    /// polish the optimum to near machine precision.
    let maximize (f: float[] -> float) (x0: float[]) =
        let objective =
            ObjectiveFunction.Value(fun (v: Vector<float>) -> -(f (v.ToArray())))

        let start =
            try
                NelderMeadSimplex(1e-12, 20000)
                    .FindMinimum(objective, Vector<float>.Build.DenseOfArray x0)
                    .MinimizingPoint.ToArray()
            with :? MaximumIterationsException ->
                x0

        let rec newton (x: float[]) iter =
            if iter = 0 then
                x
            else
                let h = hessian f x
                let g = Vector<float>.Build.DenseOfArray(gradient f x)
                let ok = h.Evd().EigenValues |> Seq.forall (fun e -> e.Real < 0.0)

                if not ok then
                    x
                else
                    let dx = -(h.Solve g)

                    let rec backtrack (s: float) =
                        let y = Array.mapi (fun i xi -> xi + s * dx[i]) x

                        if f y >= f x then Some y
                        elif s < 1e-6 then None
                        else backtrack (s / 2.0)

                    match backtrack 1.0 with
                    | Some y when dx.L2Norm() > 1e-12 -> newton y (iter - 1)
                    | Some y -> y
                    | None -> x

        newton start 30

    /// Covariance = inverse observed information (−Hessian of the log-likelihood) at x.
    let covariance (logLik: float[] -> float) (x: float[]) = (-(hessian logLik x)).Inverse()
