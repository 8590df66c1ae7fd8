"""Small Kubernetes fixtures shared by the generator tests."""

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.2.3
{container}
"""

CONTAINER_FULL = """          ports:
            - name: http
              containerPort: 8080
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              memory: 256Mi
"""

SERVICE = """
apiVersion: v1
kind: Service
metadata:
  name: web
  labels:
    app: web
spec:
  selector:
    app: web
  ports:
    - name: http
      port: 80
      targetPort: http
"""


def deployment(replicas: int = 1, container: str = CONTAINER_FULL) -> str:
    return DEPLOYMENT.format(replicas=replicas, container=container.rstrip("\n"))
