namespace HierFunctional

open System
open System.Globalization
open System.IO
open System.Reflection
open System.Threading.Tasks
open MathNet.Numerics.Random
open HierFunctional.Inference

/// Everything one chain needs to continue exactly where it stopped: sweeps done, draws written, the parameter
/// state, each update's saved state (`UpdateStep.Save`: slice widths, augmentation weights, block directions) and
/// the generator's state.
type ChainCheckpoint =
    {
        /// 0-based chain number.
        Chain: int
        /// Sweeps done (warm-up plus sampling).
        Iteration: int
        /// Draws written to the chain's CSV file.
        Made: int
        /// The constrained parameter state.
        Values: float[]
        /// Each update's saved state, in plan order.
        Updates: float[][]
        /// The xoshiro256** state words s0..s3 of the chain's generator.
        Rng: uint64[]
    }

/// Saving and restoring chain checkpoints (plain text, round-trip precision).
[<RequireQualifiedAccess>]
module Checkpoint =

    let private field name =
        typeof<Xoshiro256StarStar>.GetField(name, BindingFlags.NonPublic ||| BindingFlags.Instance)

    // MathNet keeps the xoshiro256** state in four private fields and offers no way to read or set it.
    let private stateFields =
        lazy
            (let fs = [| "_s0"; "_s1"; "_s2"; "_s3" |] |> Array.map field

             if fs |> Array.exists isNull then
                 invalidOp "this MathNet.Numerics version hides the Xoshiro256StarStar state; resuming is unavailable."

             fs)

    /// The generator's four state words.
    let rngState (rng: Xoshiro256StarStar) : uint64[] =
        stateFields.Value |> Array.map (fun f -> f.GetValue rng :?> uint64)

    /// Sets the generator's four state words.
    let setRngState (state: uint64[]) (rng: Xoshiro256StarStar) =
        if state.Length <> 4 then
            invalidArg "state" $"xoshiro256** has 4 state words, got {state.Length}."

        Array.iter2 (fun (f: FieldInfo) (v: uint64) -> f.SetValue(rng, box v)) stateFields.Value state

    let private inv = CultureInfo.InvariantCulture

    let private floats (xs: float[]) =
        xs |> Array.map (fun x -> x.ToString("R", inv))

    /// The checkpoint as text, one `key values…` line per field.
    let format (c: ChainCheckpoint) : string =
        let line key (values: string[]) =
            String.Join(" ", Array.append [| key |] values)

        [
            line "chain" [| string c.Chain |]
            line "iteration" [| string c.Iteration |]
            line "made" [| string c.Made |]
            line "values" (floats c.Values)
            line "rng" (c.Rng |> Array.map string)
            line "updates" [| string c.Updates.Length |]
        ]
        @ [ for u in c.Updates -> line "update" (floats u) ]
        |> String.concat "\n"

    /// Parses a checkpoint written by `format`.
    /// <exception cref="System.IO.InvalidDataException">The text is not a checkpoint.</exception>
    let parse (text: string) : ChainCheckpoint =
        let lines =
            text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            |> Array.map (fun l -> l.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))
            |> Array.filter (fun p -> p.Length > 0)
            |> Array.map (fun p -> p.[0], p.[1..])

        // One `update` line per update, in plan order; every other key once.
        let updates = lines |> Array.filter (fun (k, _) -> k = "update") |> Array.map snd
        let fields = lines |> Array.filter (fun (k, _) -> k <> "update") |> Map.ofArray

        let get key =
            match fields.TryFind key with
            | Some v -> v
            | None ->
                raise (InvalidDataException $"checkpoint has no '{key}' line; it is truncated or not a checkpoint.")

        let num (s: string) =
            Double.Parse(s, NumberStyles.Float, inv)

        {
            Chain = int (get "chain").[0]
            Iteration = int (get "iteration").[0]
            Made = int (get "made").[0]
            Values = get "values" |> Array.map num
            Updates =
                let listed = int (get "updates").[0]

                if updates.Length <> listed then
                    raise (
                        InvalidDataException
                            $"checkpoint lists {listed} updates but holds {updates.Length}; it is truncated."
                    )

                updates |> Array.map (Array.map num)
            Rng = get "rng" |> Array.map UInt64.Parse
        }

    /// Writes a checkpoint atomically (a temporary file moved over the old one), so a crash leaves the old or the new.
    let save (path: string) (c: ChainCheckpoint) =
        let tmp = path + ".tmp"
        File.WriteAllText(tmp, format c)
        File.Move(tmp, path, true)

    /// Reads a checkpoint file.
    let load (path: string) : ChainCheckpoint = parse (File.ReadAllText path)
