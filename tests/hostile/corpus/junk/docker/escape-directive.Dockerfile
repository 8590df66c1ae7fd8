# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022
COPY . C:\app\
RUN dir C:\ `
    && echo done
CMD ["C:\\app\\run.exe"]
