.class public Lcom/tencent/cloud/huiyansdkface/facelight/ui/FaceVerifyActivity;
.super Landroid/app/Activity;
.source "FaceVerifyActivity.java"

.method public constructor <init>()V
    .registers 1
    invoke-direct {p0}, Landroid/app/Activity;-><init>()V
    return-void
.end method

.method protected onResume()V
    .registers 5
    invoke-super {p0}, Landroid/app/Activity;->onResume()V
    const/4 v0, 0x1
    invoke-static {v0}, Landroid/hardware/Camera;->open(I)Landroid/hardware/Camera;
    move-result-object v1
    return-void
.end method

.method private openFrontCamera()V
    .registers 5
    const-string v0, "camera"
    invoke-virtual {p0, v0}, Lcom/tencent/cloud/huiyansdkface/facelight/ui/FaceVerifyActivity;->getSystemService(Ljava/lang/String;)Ljava/lang/Object;
    move-result-object v0
    check-cast v0, Landroid/hardware/camera2/CameraManager;
    const-string v1, "1"
    const/4 v2, 0x0
    const/4 v3, 0x0
    invoke-virtual {v0, v1, v2, v3}, Landroid/hardware/camera2/CameraManager;->openCamera(Ljava/lang/String;Landroid/hardware/camera2/CameraDevice$StateCallback;Landroid/os/Handler;)V
    return-void
.end method
