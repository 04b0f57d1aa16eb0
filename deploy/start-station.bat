@echo off
rem Start the station (server and kiosk screen). Options: see start-station.ps1
powershell.exe -NoProfile -ExecutionPolicy Bypass -File "%~dp0start-station.ps1" %*
