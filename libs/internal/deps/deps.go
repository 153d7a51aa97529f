// Package deps pins the modules libs depends on while it is being written.
package deps

import (
	_ "github.com/FerretDB/FerretDB/ferretdb"
	_ "github.com/MicahParks/keyfunc/v3"
	_ "github.com/getkin/kin-openapi/openapi3filter"
	_ "github.com/gin-gonic/gin"
	_ "github.com/golang-jwt/jwt/v5"
	_ "github.com/google/uuid"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/segmentio/kafka-go"
	_ "github.com/twmb/franz-go/pkg/kfake"
	_ "go.mongodb.org/mongo-driver/v2/mongo"
	_ "sigs.k8s.io/yaml"
)
