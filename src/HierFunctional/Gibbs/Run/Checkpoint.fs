namespace HierFunctional

open System
open System.Globalization
open System.IO
open HierFunctional.Inference

/// Everything one chain needs to continue exactly where it stopped: sweeps done, draws written, the parameter
/// state, each update's saved state (`UpdateStep.Save`: slice widths, augmentation weights, block directions) and
/// the generator's state. The sweep count that fixes the group streams is `Iteration`.
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
        /// The chain's sequential generator (`Philox4x32.State`: key, counter low, counter high, position).
        Rng: uint64[]
    }

/// Saving and restoring chain checkpoints (plain text, round-trip precision).
[<RequireQualifiedAccess>]
module Checkpoint =

    /// The line naming the generator whose state the `rng` line holds; checkpoints without it are refused.
    [<Literal>]
    let GeneratorName = "philox4x32-10"

    /// The chain's sequential generator as the checkpoint left it, after checking that the checkpoint belongs to
    /// chain `chain` of a run with master seed `seed` (its key is (seed, chain)).
    /// <exception cref="System.IO.InvalidDataException">The checkpoint is of another seed or chain.</exception>
    let generator (path: string) (seed: int) (chain: int) (c: ChainCheckpoint) : Philox4x32 =
        let expected = (uint64 (uint32 chain) <<< 32) ||| uint64 (uint32 seed)

        if c.Chain <> chain || c.Rng.[0] <> expected then
            raise (
                InvalidDataException
                    $"{path} was written by chain {c.Chain + 1} of a run with another seed or chain than chain {chain + 1} of seed {seed}; resume with the options that wrote it."
            )

        Philox4x32.FromState c.Rng

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
            line "generator" [| GeneratorName |]
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

        match fields.TryFind "generator" with
        | Some [| g |] when g = GeneratorName -> ()
        | _ ->
            raise (
                InvalidDataException
                    $"checkpoint has no '{GeneratorName}' generator line: it was written by an earlier version (xoshiro256** chains), whose draws this version does not continue; restart the run."
            )

        let rng = get "rng" |> Array.map UInt64.Parse

        if rng.Length <> 4 || rng.[3] > 4UL then
            raise (
                InvalidDataException "checkpoint's 'rng' line is not a Philox4x32 state (four words, position 0..4)."
            )

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
            Rng = rng
        }

    /// Writes a checkpoint atomically (a temporary file moved over the old one), so a crash leaves the old or the new.
    let save (path: string) (c: ChainCheckpoint) =
        let tmp = path + ".tmp"
        File.WriteAllText(tmp, format c)
        File.Move(tmp, path, true)

    /// Reads a checkpoint file.
    let load (path: string) : ChainCheckpoint = parse (File.ReadAllText path)
