/// Headless Chromium driven over the DevTools protocol: load a page, record every request it makes, evaluate
/// JavaScript in it and take a screenshot. Only Debian's chromium is needed (no driver, no npm).
module HierFunctional.Cli.Tests.Chromium

open System
open System.Diagnostics
open System.IO
open System.Net.Http
open System.Net.WebSockets
open System.Text
open System.Text.Json
open System.Threading
open HierFunctional.TestShim
open HierFunctional.Cli.Tests.Support

/// Debian's chromium binary.
let binary = "/usr/bin/chromium"

/// Skips the calling test, with the reason shown, when Chromium is not installed (`apt-get install -y chromium`).
let requireChromium () =
    if not (File.Exists binary) then
        Expecto.Tests.skiptest $"{binary} is not installed (apt-get install -y chromium); the pages are not rendered."

/// What a loaded page did and shows.
type Loaded =
    {
        /// Every URL the page requested, in order (the page itself included).
        Requests: string list
        /// The value of the evaluated expression, as JSON.
        Value: JsonElement
        /// The screenshot, PNG bytes.
        Png: byte[]
    }

let private timeout = TimeSpan.FromSeconds 60.0

let private waitForPort (profile: string) (p: Process) =
    let file = Path.Combine(profile, "DevToolsActivePort")
    let sw = Stopwatch.StartNew()

    while not (File.Exists file && File.ReadAllLines(file).Length >= 2) do
        if p.HasExited || sw.Elapsed > timeout then
            failwith "chromium did not open its DevTools port"

        Thread.Sleep 100

    File.ReadAllLines(file).[0]

/// Loads `url` in a fresh headless Chromium of the given window size, waits for the load event and `settleMs`,
/// then evaluates `expression` (its value returned by value) and takes a screenshot.
let load (width: int) (height: int) (settleMs: int) (expression: string) (url: string) : Loaded =
    let profile = tempDir ()

    let psi =
        ProcessStartInfo(binary, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true)

    for a in
        [
            "--headless"
            "--no-sandbox"
            "--disable-gpu"
            "--disable-background-networking"
            "--disable-component-update"
            "--disable-sync"
            "--no-first-run"
            "--remote-debugging-port=0"
            $"--window-size={width},{height}"
            $"--user-data-dir={profile}"
            "about:blank"
        ] do
        psi.ArgumentList.Add a

    use p = Process.Start psi
    p.StandardOutput.ReadToEndAsync() |> ignore
    p.StandardError.ReadToEndAsync() |> ignore

    try
        let port = waitForPort profile p
        use http = new HttpClient()

        let target =
            JsonDocument
                .Parse(http.GetStringAsync($"http://127.0.0.1:{port}/json/list").Result)
                .RootElement.EnumerateArray()
            |> Seq.find (fun t -> t.GetProperty("type").GetString() = "page")

        use ws = new ClientWebSocket()
        ws.Options.KeepAliveInterval <- TimeSpan.Zero
        ws.ConnectAsync(Uri(target.GetProperty("webSocketDebuggerUrl").GetString()), CancellationToken.None).Wait()
        let requests = ResizeArray<string>()
        let events = ResizeArray<string>()
        let mutable next = 0

        // One message at a time: read frames until the end of a message, then parse it.
        let readMessage () =
            let buffer = Array.zeroCreate<byte>(1 <<< 16)
            use ms = new MemoryStream()
            let mutable fin = false

            while not fin do
                let t = ws.ReceiveAsync(ArraySegment buffer, CancellationToken.None)

                if not (t.Wait timeout) then
                    failwith "chromium did not answer within 60 s"

                ms.Write(buffer, 0, t.Result.Count)
                fin <- t.Result.EndOfMessage

            JsonDocument.Parse(ms.ToArray()).RootElement.Clone()

        let record (m: JsonElement) =
            match m.TryGetProperty "method" with
            | true, name ->
                let name = name.GetString()
                events.Add name

                if name = "Network.requestWillBeSent" then
                    requests.Add(m.GetProperty("params").GetProperty("request").GetProperty("url").GetString())
            | _ -> ()

        let call (methodName: string) (parameters: obj) =
            next <- next + 1
            let id = next

            let text =
                JsonSerializer.Serialize(
                    {|
                        id = id
                        ``method`` = methodName
                        ``params`` = parameters
                    |}
                )

            ws
                .SendAsync(
                    ArraySegment(Encoding.UTF8.GetBytes text),
                    WebSocketMessageType.Text,
                    true,
                    CancellationToken.None
                )
                .Wait()

            let mutable answer = None

            while answer.IsNone do
                let m = readMessage ()

                match m.TryGetProperty "id" with
                | true, i when i.GetInt32() = id ->
                    match m.TryGetProperty "error" with
                    | true, e -> failwith $"{methodName} failed: {e}"
                    | _ -> answer <- Some(m.GetProperty "result")
                | _ -> record m

            answer.Value

        call "Network.enable" {| |} |> ignore
        call "Page.enable" {| |} |> ignore
        call "Page.navigate" {| url = url |} |> ignore

        while not (events.Contains "Page.loadEventFired") do
            record (readMessage ())

        Thread.Sleep settleMs

        let value =
            call
                "Runtime.evaluate"
                {|
                    expression = expression
                    returnByValue = true
                    awaitPromise = true
                |}

        let result = value.GetProperty "result"

        let value =
            match result.TryGetProperty "value" with
            | true, v -> v
            | _ -> failwith $"the expression returned no value: {value}"

        let png = call "Page.captureScreenshot" {| format = "png" |}

        {
            Requests = List.ofSeq requests
            Value = value
            Png = Convert.FromBase64String(png.GetProperty("data").GetString())
        }
    finally
        if not p.HasExited then
            p.Kill true
            p.WaitForExit 10000 |> ignore

/// Per chart div (class `hier-chart`): id, number of traces in plotly's data, number of drawn traces in its SVG
/// (`g.trace`), whether plotly drew its main SVG, and each trace's name and hover text.
let chartsExpression =
    """JSON.stringify(Array.from(document.querySelectorAll('.hier-chart')).map(d => ({
  id: d.id,
  traces: (d.data || []).length,
  drawn: d.querySelectorAll('.cartesianlayer g.trace').length,
  svg: d.querySelectorAll('svg.main-svg').length,
  names: (d.data || []).map(t => String(t.name || '')),
  text: (d.data || []).map(t => Array.isArray(t.text) ? t.text.join('\n') : String(t.text || '')),
  y: (d.data || []).map(t => Array.isArray(t.y) ? t.y.map(String) : []),
  annotations: ((d.layout || {}).annotations || []).length
})))"""

/// One chart as the page reports it (`chartsExpression`).
type RenderedChart =
    {
        id: string
        traces: int
        drawn: int
        svg: int
        names: string[]
        text: string[]
        y: string[][]
        annotations: int
    }

/// The charts of a loaded page.
let charts (l: Loaded) : RenderedChart[] =
    JsonSerializer.Deserialize<RenderedChart[]>(l.Value.GetString())

/// Requests that leave the file system (anything but file:, data: and blob: URLs, and about:blank).
let external (l: Loaded) =
    l.Requests
    |> List.filter (fun u ->
        not (
            u.StartsWith "file:"
            || u.StartsWith "data:"
            || u.StartsWith "blob:"
            || u = "about:blank"
        ))
