# escape=`

FROM mcr.microsoft.com/windows/servercore:ltsc2022 AS win
RUN echo one `
    && echo "C:\Program Files\app" `
    && dir C:\

FROM alpine:3.20
RUN apk add --no-cache `
      curl `
      jq
COPY ["a b.txt", "/dst/"]
