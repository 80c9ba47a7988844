namespace HierFunctional.Cli

open System
open System.IO
open Spectre.Console
open HierFunctional

/// Where `hier` writes: text streams (injectable for tests) and whether they are an interactive terminal.
type Terminal =
    {
        /// Standard output.
        Out: TextWriter
        /// Standard error.
        Err: TextWriter
        /// True on a terminal without CI set: progress bars and coloured tables; false: plain lines.
        Interactive: bool
    }

/// Console output: progress per chain, and tables as Spectre.Console renders them or as plain text.
[<RequireQualifiedAccess>]
module Terminal =

    /// An interactive terminal is standard output not redirected and no `CI` variable set.
    let isInteractive () =
        not Console.IsOutputRedirected
        && String.IsNullOrEmpty(Environment.GetEnvironmentVariable "CI")

    let private consoleOn (t: Terminal) (writer: TextWriter) =
        AnsiConsole.Create(
            AnsiConsoleSettings(
                Out = AnsiConsoleOutput(writer),
                Ansi = (if t.Interactive then AnsiSupport.Detect else AnsiSupport.No),
                Interactive =
                    (if t.Interactive then
                         InteractionSupport.Yes
                     else
                         InteractionSupport.No)
            )
        )

    let private console (t: Terminal) = consoleOn t t.Out

    /// Writes a line to standard error (progress and notes, kept out of results a script redirects).
    let note (t: Terminal) (s: string) =
        lock t.Err (fun () -> t.Err.WriteLine s)

    /// Writes a line to standard output.
    let line (t: Terminal) (s: string) =
        lock t.Out (fun () -> t.Out.WriteLine s)

    /// Plain progress: a line per chain at each quarter of its iterations (thread-safe; chains report in parallel).
    let private plainProgress (t: Terminal) =
        { new IProgress<ChainProgress> with
            member _.Report p =
                let total = max 1 p.Total
                let previous = max 0 (p.Iteration - max 1 (total / 100)) // the sampler reports every 1%

                if p.Iteration * 4 / total > previous * 4 / total then
                    let phase = if p.Warmup then "warm-up" else "sampling"
                    note t $"chain {p.Chain + 1}: {p.Iteration}/{p.Total} ({phase})"
        }

    /// Runs `work` with progress reported per chain on standard error: bars on a terminal, a few plain lines
    /// otherwise.
    let withProgress (t: Terminal) (chains: int) (work: IProgress<ChainProgress> -> 'a) : 'a =
        if not t.Interactive then
            work (plainProgress t)
        else
            let mutable result = Unchecked.defaultof<'a> // set inside the Spectre callback, read once after it

            (consoleOn t t.Err)
                .Progress()
                .Columns(TaskDescriptionColumn(), ProgressBarColumn(), PercentageColumn(), RemainingTimeColumn())
                .Start(fun ctx ->
                    let tasks = Array.init chains (fun c -> ctx.AddTask($"chain {c + 1}", true, 1.0))

                    let sink =
                        { new IProgress<ChainProgress> with
                            member _.Report p =
                                let task = tasks.[p.Chain]

                                task.Description <-
                                    $"chain {p.Chain + 1} " + (if p.Warmup then "warm-up " else "sampling")

                                task.Value <- float p.Iteration / float (max 1 p.Total)
                        }

                    result <- work sink)

            result

    let private summaryTable (s: Summary) =
        let table = Table().Border(TableBorder.Simple)
        let f = Summary.formatSignificant 3
        let minEss = Summary.essPerChainThreshold * float s.Chains

        let headers =
            [ "name"; "label"; "mean"; "sd" ]
            @ (s.Probs
               |> Array.map (fun p -> "q" + (p * 100.0).ToString("0.##", Globalization.CultureInfo.InvariantCulture))
               |> List.ofArray)
            @ [ "ess_bulk"; "ess_tail"; "rhat" ]

        for h in headers do
            table.AddColumn(TableColumn(h).RightAligned()) |> ignore

        let warn ok (text: string) =
            if ok then
                Markup.Escape text
            else
                $"[red bold]{Markup.Escape text}[/]"

        for r in s.Rows do
            let cells =
                [ Markup.Escape r.Name; Markup.Escape(string r.Label); f r.Mean; f r.Sd ]
                @ (r.Quantiles |> Array.map f |> List.ofArray)
                @ [
                    warn (r.EssBulk >= minEss) $"{r.EssBulk:F0}"
                    warn (r.EssTail >= minEss) $"{r.EssTail:F0}"
                    warn (r.Rhat <= Summary.rhatThreshold) (if Double.IsNaN r.Rhat then "NA" else $"{r.Rhat:F3}")
                ]

            table.AddRow(cells |> List.map (fun c -> Markup(c) :> Rendering.IRenderable) |> Array.ofList)
            |> ignore

        table

    /// Prints a summary, warnings banner first: a coloured table on a terminal (R̂ and ESS warnings in red),
    /// `Summary.format` otherwise.
    let summary (t: Terminal) (s: Summary) =
        if t.Interactive then
            let c = console t

            if s.Warnings.Length > 0 then
                let n = s.Warnings.Length
                let head = if n = 1 then "1 WARNING" else $"{n} WARNINGS"

                c.MarkupLine(
                    $"[red bold]{head}: do not trust these results until they are resolved (see docs/errors.md).[/]"
                )

                for w in s.Warnings do
                    c.MarkupLine($"[red]  - {Markup.Escape(Summary.describe w)}[/]")

            if s.Cancelled then
                c.MarkupLine($"[yellow bold]{Markup.Escape(s.Partial)}[/]")

            c.Write(summaryTable s)
        else
            t.Out.Write(Summary.format s)

    /// Prints a shrinkage table: a Spectre table on a terminal, `ShrinkageReport.format` otherwise.
    let shrinkage (t: Terminal) (report: ShrinkageTable) =
        if t.Interactive then
            let table = Table().Border(TableBorder.Simple)
            table.Title <- TableTitle($"Shrinkage of {report.Spec.Node} over {report.Group} ({report.Spec.Family})")

            for h in Report.Html.shrinkageHeader do
                table.AddColumn(TableColumn(h).RightAligned()) |> ignore

            for r in report.Rows do
                table.AddRow(Report.Html.shrinkageCells r |> List.map Markup.Escape |> Array.ofList)
                |> ignore

            (console t).Write(table)
        else
            t.Out.Write(ShrinkageReport.format report)
