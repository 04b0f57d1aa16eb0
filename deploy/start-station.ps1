<#
.SYNOPSIS
  Start the station on a Windows tablet or PC: the server and the kiosk screen, all in one.

.DESCRIPTION
  First start (no .venv yet): creates .venv with the pinned packages, the instance folder,
  the database and the first administrator (its password is shown once: write it down).
  Every start: brings the database up to date (migrations), starts the server (waitress,
  deploy\serve.py) hidden in the background unless it already answers, waits for /healthz,
  then opens Microsoft Edge (or Chrome) full screen on the kiosk page with the flags in
  deploy\chromium-flags.txt and its own browser profile.

  start-station.bat -Install      also start it at every log-on (Startup folder shortcut);
                                  as administrator, also set the Edge/Chrome policies that
                                  allow the camera and sound for the kiosk address only
  start-station.bat -Enroll URL   open a one-time enrollment address (from Admin > Kiosk
                                  devices) in the kiosk's browser profile
  start-station.bat -ServerOnly   start the server only (a PC at the front desk)
  start-station.bat -Backup       make a backup now (Task Scheduler: run this every night)

  Needs Python 3.11 or newer from python.org ("Add python.exe to PATH" ticked).
#>
param(
  [string]$Enroll = "",
  [switch]$Install,
  [switch]$ServerOnly,
  [switch]$Backup,
  [int]$Port = 8000
)
$ErrorActionPreference = "Stop"
$Root = Split-Path -Parent $PSScriptRoot
Set-Location $Root
if (-not $env:INSTANCE_PATH) { $env:INSTANCE_PATH = Join-Path $Root "instance" }
$env:PORT = "$Port"
$env:HOST = "127.0.0.1"
$env:PYTHONUTF8 = "1"
$Url = "http://127.0.0.1:$Port"
$Py = Join-Path $Root ".venv\Scripts\python.exe"

function Invoke-Flask([string[]]$Arguments) {
  & $Py -m flask --app app @Arguments
  if ($LASTEXITCODE -ne 0) { throw "flask $($Arguments -join ' ') failed (exit $LASTEXITCODE)" }
}

function Test-Server {
  try { Invoke-WebRequest "$Url/healthz" -UseBasicParsing -TimeoutSec 2 | Out-Null; return $true }
  catch { return [bool]$_.Exception.Response }  # 503 still means the server answers
}

if (-not (Test-Path $Py)) {
  Write-Host "First start: installing the station software (a few minutes)..."
  $launcher = Get-Command py -ErrorAction SilentlyContinue
  if ($launcher) { & py -3 -m venv .venv } else { & python -m venv .venv }
  if (-not (Test-Path $Py)) { throw "Python 3 was not found. Install it from python.org first." }
  & $Py -m pip install --quiet --upgrade pip
  & $Py -m pip install --quiet -r requirements.txt -c constraints.txt
  if ($LASTEXITCODE -ne 0) { throw "Installing the packages failed; check the internet connection." }
  $env:DEMO_DATA = "0"
  Invoke-Flask @("first-run")
  Read-Host "Write down the administrator password shown above, then press Enter"
}

if ($Backup) { Invoke-Flask @("backup"); exit 0 }

if (-not (Test-Server)) {
  Invoke-Flask @("init-db")
  $logs = Join-Path $env:INSTANCE_PATH "logs"
  New-Item -ItemType Directory -Force $logs | Out-Null
  Start-Process -FilePath $Py -ArgumentList "deploy\serve.py" -WorkingDirectory $Root `
    -WindowStyle Hidden -RedirectStandardOutput (Join-Path $logs "server.out.log") `
    -RedirectStandardError (Join-Path $logs "server.err.log") | Out-Null
  for ($i = 0; $i -lt 120 -and -not (Test-Server); $i++) { Start-Sleep -Seconds 1 }
}

if ($Install) {
  $startup = [Environment]::GetFolderPath("Startup")
  $shell = New-Object -ComObject WScript.Shell
  $link = $shell.CreateShortcut((Join-Path $startup "Station kiosk.lnk"))
  $link.TargetPath = Join-Path $PSScriptRoot "start-station.bat"
  $link.WorkingDirectory = $Root
  $link.WindowStyle = 7
  $link.Save()
  $admin = ([Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()
           ).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
  if ($admin) {
    foreach ($key in @("HKLM:\SOFTWARE\Policies\Microsoft\Edge", "HKLM:\SOFTWARE\Policies\Google\Chrome")) {
      New-Item -Path "$key\VideoCaptureAllowedUrls" -Force | Out-Null
      New-ItemProperty -Path "$key\VideoCaptureAllowedUrls" -Name "1" -Value $Url -Force | Out-Null
      New-Item -Path "$key\AutoplayAllowlist" -Force | Out-Null
      New-ItemProperty -Path "$key\AutoplayAllowlist" -Name "1" -Value $Url -Force | Out-Null
      New-ItemProperty -Path $key -Name "AutoplayAllowed" -Value 1 -PropertyType DWord -Force | Out-Null
      New-ItemProperty -Path $key -Name "TranslateEnabled" -Value 0 -PropertyType DWord -Force | Out-Null
      New-ItemProperty -Path $key -Name "PasswordManagerEnabled" -Value 0 -PropertyType DWord -Force | Out-Null
    }
    Write-Host "Camera and sound allowed for $Url in Edge and Chrome."
  } else {
    Write-Host "Run once as administrator with -Install to allow the camera without asking."
  }
  Write-Host "The station now starts at every log-on."
}

if ($ServerOnly) { Write-Host "Server running: $Url/admin/"; exit 0 }

$candidates = @(
  "${env:ProgramFiles(x86)}\Microsoft\Edge\Application\msedge.exe",
  "$env:ProgramFiles\Microsoft\Edge\Application\msedge.exe",
  "$env:ProgramFiles\Google\Chrome\Application\chrome.exe",
  "${env:ProgramFiles(x86)}\Google\Chrome\Application\chrome.exe",
  "$env:LOCALAPPDATA\Google\Chrome\Application\chrome.exe"
)
$browser = $candidates | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
if (-not $browser) { throw "Neither Microsoft Edge nor Google Chrome was found." }
$flags = Get-Content (Join-Path $PSScriptRoot "chromium-flags.txt") -Encoding UTF8 |
  ForEach-Object { ($_ -split "#")[0].Trim() } | Where-Object { $_ }
$profileDir = Join-Path $env:LOCALAPPDATA "StationKiosk"
$target = if ($Enroll) { $Enroll } else { "$Url/kiosk/" }
$arguments = @($flags) + @("--user-data-dir=`"$profileDir`"", "--app=$target")
Start-Process -FilePath $browser -ArgumentList $arguments
