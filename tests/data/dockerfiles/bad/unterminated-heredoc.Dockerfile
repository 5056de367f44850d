FROM alpine:3.20
RUN <<EOF
echo fine
EOF
RUN echo ok
RUN <<EOT
apk add --no-cache curl
EOF
