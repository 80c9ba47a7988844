namespace HierFunctional

open HierFunctional.Inference

open System
open System.Runtime.ExceptionServices
open System.Threading.Tasks

/// Running a group-wise update (`GroupWise`) of one chain with its groups split into contiguous ranges, one per
/// thread. Each group draws from its own stream, so the draws are the same for any number of ranges.
[<RequireQualifiedAccess>]
module internal GroupRanges =

    /// Fewest groups a range gets: below this a thread's share costs less than handing it over.
    [<Literal>]
    let MinGroupsPerRange = 512

    /// How many ranges `count` groups are split into when `partitions` are asked for: at most one per
    /// `MinGroupsPerRange` groups, at least one.
    let rangesFor (count: int) (partitions: int) =
        max 1 (min partitions (count / MinGroupsPerRange))

    /// Range p of `ranges` contiguous ranges over `count` groups, as [lo, hi): sizes differ by at most one.
    let range (count: int) (ranges: int) (p: int) =
        int (int64 count * int64 p / int64 ranges), int (int64 count * int64 (p + 1) / int64 ranges)

    /// The chain's stream generators, one per partition (made once, reused every sweep).
    let private streams (st: ChainState) (n: int) =
        if st.Streams.Length < n then
            let first = st.Streams.[0]

            st.Streams <-
                Array.init n (fun p ->
                    if p < st.Streams.Length then
                        st.Streams.[p]
                    else
                        GroupStream(first.Seed, first.Chain))

        st.Streams

    /// One sweep of a group-wise update: `Prepare` on the calling thread, then the groups in
    /// `rangesFor Count st.Partitions` ranges at once. A range that throws stops only itself; after all ranges end,
    /// the exception of the first throwing range (in group order, as a sequential sweep would meet it) is rethrown.
    let run (g: GroupWise) (rng: Random) (st: ChainState) =
        g.Prepare rng st
        let ranges = rangesFor g.Count st.Partitions

        if ranges = 1 then
            g.RunRange st.Streams.[0] st 0 g.Count
        else
            let gs = streams st ranges

            let tasks =
                Array.init ranges (fun p ->
                    let lo, hi = range g.Count ranges p
                    Task.Run(fun () -> g.RunRange gs.[p] st lo hi))

            try
                Task.WaitAll tasks
            with :? AggregateException ->
                let first = tasks |> Array.find _.IsFaulted
                ExceptionDispatchInfo.Throw(first.Exception.InnerException)

    /// One move of a step: group-wise steps through `run` (split by the chain's partitions), the others as they are.
    let runStep (step: UpdateStep) (rng: Random) (st: ChainState) =
        match step.Groups with
        | ValueSome g when st.Partitions > 1 -> run g rng st
        | _ -> step.Run rng st
